// Error cases: mismatched shapes produce messages that name the op and the shapes. The
// validators are checked directly; one test re-runs this test binary in a subprocess to see the
// real op stop with that message on stderr.
import XCTest
import Foundation
@testable import Tensor

final class ShapeErrorTests: XCTestCase {
    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }

    func testValidatorMessages() {
        let m1 = message { try Shapes.broadcast([2, 3], [4], op: "add") }
        XCTAssertTrue(m1.contains("add") && m1.contains("[2, 3]") && m1.contains("[4]"), m1)
        let m2 = message { try Shapes.reshape([2, 3], to: [4, -1]) }
        XCTAssertTrue(m2.contains("[2, 3]") && m2.contains("[4, -1]"), m2)
        let m3 = message { try ConvPlan.make(x: [1, 3, 8, 8], weight: [4, 2, 3, 3], bias: nil, options: .init()) }
        XCTAssertTrue(m3.contains("[4, 2, 3, 3]") && m3.contains("[1, 3, 8, 8]"), m3)
        let m4 = message { try ConvPlan.make(x: [1, 3, 2, 2], weight: [4, 3, 5, 5], bias: nil, options: .init()) }
        XCTAssertTrue(m4.contains("smaller than"), m4)
        let m5 = message { try ConvPlan.make(x: [1, 4, 8, 8], weight: [4, 2, 3, 3], bias: [3], options: .init(groups: 2)) }
        XCTAssertTrue(m5.contains("bias [3]"), m5)
        let m6 = message { try Shapes.axes([3], rank: 2, op: "sum") }
        XCTAssertTrue(m6.contains("axis 3") && m6.contains("rank 2"), m6)
        let m7 = message { try ConvPlan.make(x: [1, 6, 8, 8], weight: [4, 2, 3, 3], bias: nil, options: .init(groups: 4)) }
        XCTAssertTrue(m7.contains("groups=4"), m7)
    }

    /// Runs in the child process only (REIDKD_CRASH_CASE set): performs a mismatched op.
    func testCrashHelper() {
        guard let which = ProcessInfo.processInfo.environment["REIDKD_CRASH_CASE"] else { return }
        let a = Tensor.zeros([2, 3])
        switch which {
        case "matmul": _ = Tensor.matmul(a, Tensor.zeros([4, 5]))
        case "add": _ = a + Tensor.zeros([4])
        default: _ = conv2d(Tensor.zeros([1, 3, 8, 8]), weight: Tensor.zeros([4, 2, 3, 3]))
        }
    }

    func testOpStopsWithReadableMessage() throws {
        #if os(Linux)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        guard FileManager.default.isExecutableFile(atPath: binary.path), binary.path.hasSuffix(".xctest") else {
            throw XCTSkip("test binary not found at \(binary.path); cannot spawn the crash helper")
        }
        for (which, expected) in [("matmul", "matmul: inner dimensions differ: [2, 3] × [4, 5]"),
                                  ("add", "add: shapes [2, 3] and [4] are not broadcastable"),
                                  ("conv", "conv2d: weight [4, 2, 3, 3] expects 2 input channels")] {
            let p = Process()
            p.executableURL = binary
            p.arguments = ["TensorTests.ShapeErrorTests/testCrashHelper"]
            var env = ProcessInfo.processInfo.environment
            env["REIDKD_CRASH_CASE"] = which
            p.environment = env
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            let data = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            XCTAssertNotEqual(p.terminationStatus, 0, "the bad \(which) must stop the process")
            XCTAssertTrue(text.contains(expected), "stderr of the \(which) case:\n\(text)")
        }
        #else
        throw XCTSkip("subprocess check runs on Linux")
        #endif
    }
}
