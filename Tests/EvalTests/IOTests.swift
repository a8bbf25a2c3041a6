// .npy reading/writing and the pid,camid CSV reader.
import Foundation
import XCTest
@testable import Eval
import Tensor

final class NpyTests: XCTestCase {
    /// A hand-built .npy file: v1.0 preamble, header text as given, then `payload`.
    func npy(_ header: String, _ payload: [UInt8], major: UInt8 = 1, headerLength: Int? = nil) -> Data {
        var h = Array(header.utf8)
        let hl = headerLength ?? h.count
        var d: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
        if major == 1 { d += [UInt8(hl & 0xFF), UInt8(hl >> 8)] } else { d += [UInt8(hl & 0xFF), UInt8(hl >> 8 & 0xFF), 0, 0] }
        d += h; h = []
        return Data(d + payload)
    }

    func f32(_ xs: [Float]) -> [UInt8] { xs.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } } }

    func assertError(_ data: Data, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Npy.decode(data, name: "x.npy"), file: file, line: line) { e in
            let msg = (e as? EvalError)?.description ?? "\(e)"
            XCTAssertTrue(msg.contains("x.npy"), "message must name the file: \(msg)", file: file, line: line)
            XCTAssertTrue(msg.contains(text), "expected '\(text)' in: \(msg)", file: file, line: line)
        }
    }

    func testReadsFilesWrittenByNumpy() throws {
        for bytes in [Golden.npyF64, Golden.npyF32] {
            let t = try Npy.decode(Data(bytes))
            XCTAssertEqual(t.shape, [2, 3])
            XCTAssertEqual(t.scalars, Golden.npyValues.map { Float($0) })
        }
    }

    func testRejectsOtherDtypesAndLayouts() {
        assertError(Data(Golden.npyInt32), contains: "'<i4' is not supported")
        assertError(Data(Golden.npyBigEndian), contains: "big-endian")
        assertError(Data(Golden.npyFortran), contains: "Fortran")
        assertError(Data(Golden.npy1D), contains: "expected a 2-D array")
        assertError(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (1, 1), }\n", [0, 0]), contains: "'<f2'")
    }

    func testRejectsTruncatedAndLyingFiles() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n"
        XCTAssertNoThrow(try Npy.decode(npy(header, f32([1, 2, 3, 4]))))
        assertError(npy(header, f32([1, 2, 3])), contains: "truncated")
        assertError(npy(header, f32([1, 2, 3, 4, 5])), contains: "trailing bytes")
        assertError(npy(header, f32([1, 2, 3, 4]), headerLength: 4000), contains: "header claims 4000 bytes")
        assertError(npy("{'descr': '<f4', 'shape': (2, 2), }\n", f32([1, 2, 3, 4])), contains: "fortran_order")
        assertError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }\n", []), contains: "malformed header")
        assertError(Data([0x93, 0x4E, 0x55, 0x4D]), contains: "not a NumPy .npy file")
        assertError(Data("hello, world".utf8), contains: "not a NumPy .npy file")
        // Version 2.0 (4-byte header length) is read too.
        XCTAssertEqual(try Npy.decode(npy(header, f32([1, 2, 3, 4]), major: 2)).scalars, [1, 2, 3, 4])
    }

    func testWriteReadRoundTripAndAlignment() throws {
        let t = Tensor(shape: [3, 5], scalars: (0..<15).map { Float($0) * 0.25 - 1 })
        let data = Npy.encode(t)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data must start on a 64-byte boundary like numpy.save")
        XCTAssertEqual(data.count, 10 + headerLength + 15 * 4)
        let back = try Npy.decode(data)
        XCTAssertEqual(back.shape, [3, 5])
        XCTAssertEqual(back.scalars, t.scalars)
        let path = NSTemporaryDirectory() + "eval-npy-\(getpid()).npy"
        try Npy.write(t, to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try Npy.read(path).scalars, t.scalars)
        XCTAssertThrowsError(try Npy.read(path + ".missing")) { e in
            XCTAssertTrue("\(e)".contains(".missing"))
        }
    }
}

final class IdsCSVTests: XCTestCase {
    func testParsesWithAndWithoutHeader() throws {
        let a = try ReidIds.parseCSV("pid,camid\n1,0\n 2 , 3\n\n# comment\n0,5\n")
        XCTAssertEqual(a.pids, [1, 2, 0]); XCTAssertEqual(a.camids, [0, 3, 5])
        let b = try ReidIds.parseCSV("-1,2\r\n7,1\r\n")
        XCTAssertEqual(b.pids, [-1, 7]); XCTAssertEqual(b.camids, [2, 1])
        XCTAssertEqual(try ReidIds.parseCSV(b.csvText()), b)
    }

    func testBadLinesNameFileAndLine() {
        for (text, line) in [("1,0\n2\n", 2), ("pid,camid\n1,0,4\n", 2), ("1,0\nx,1\n", 2), ("1;0\n", 1)] {
            XCTAssertThrowsError(try ReidIds.parseCSV(text, name: "q.csv")) { e in
                XCTAssertTrue("\(e)".contains("q.csv:\(line):"), "\(e)")
            }
        }
    }
}
