// The PyTorch checkpoint reader on files written by torch itself (Scripts/fastreid_fixtures.py):
// both formats, every element type, non-contiguous and offset views, FastReID's {"model": …}
// wrapper, DataParallel prefixes, num_batches_tracked; deflated entries, big-endian storages,
// and the refusal of anything that is not plain data.
import XCTest
import Foundation
import Tensor
@testable import Interop

final class TorchReaderTests: XCTestCase {
    /// The values reader_fixtures() in the script saves (see there).
    static let expected: [(String, [Int], [Float])] = [
        ("f32", [2, 3], [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]),
        ("transposed", [4, 3], (0..<4).flatMap { i in (0..<3).map { j in Float(j * 4 + i) * 0.25 } }),
        ("sliced", [2, 2], [1.25, 1.5, 2.25, 2.5]),
        ("f16", [5], [-1, -0.5, 0, 0.5, 1]),
        ("bf16", [4], [1, 1.25, 1.5, 1.75]),
        ("f64", [2], [1.5, -2.25]),
        ("i64", [3], [1, -2, 3]),
        ("scalar", [], [7]),
    ]

    func checkReaderFixture(_ file: String, format: TorchCheckpoint.Format) throws {
        let ck = try TorchCheckpoint.load(InteropFixtures.path(file))
        XCTAssertEqual(ck.format, format)
        XCTAssertEqual(ck.entries.map(\.name), Self.expected.map(\.0), "module. stripped, num_batches_tracked dropped, file order kept")
        for (name, shape, values) in Self.expected {
            let t = try ck.tensor(name)
            XCTAssertEqual(t.shape, shape, name)
            XCTAssertEqual(t.scalars, values, name)
        }
        let notes = ck.notes.joined(separator: "\n")
        XCTAssertTrue(notes.contains("\"model\" entry; ignored: epoch, note"), notes)
        XCTAssertTrue(notes.contains("prefix \"module.\""), notes)
        XCTAssertTrue(notes.contains("1 num_batches_tracked"), notes)
        XCTAssertEqual(ck.entries.first { $0.name == "transposed" }?.tensor.isContiguous, false)
        XCTAssertEqual(ck.entries.first { $0.name == "sliced" }?.tensor.offset, 5)
    }

    func testZipFormatEveryDtypeAndLayout() throws { try checkReaderFixture("reader-zip.pth", format: .zip) }
    func testLegacyFormatEveryDtypeAndLayout() throws { try checkReaderFixture("reader-legacy.pth", format: .legacy) }

    /// The same archive with every entry deflated (torch stores; other tools re-zip).
    func testDeflatedEntries() throws {
        let zip = try ZipArchive(data: try InteropFixtures.bytes("reader-zip.pth"), path: "reader-zip.pth")
        let entries = try zip.entries.map { ($0.name, Data(try zip.contents(of: $0))) }
        let deflated = try InteropFixtures.zip(entries, method: .deflate)
        let p = try InteropFixtures.temporary(deflated)
        defer { try? FileManager.default.removeItem(atPath: p) }
        XCTAssertTrue(try ZipArchive(data: deflated, path: p).entries.contains { $0.method == 8 })
        let ck = try TorchCheckpoint.load(p)
        for (name, _, values) in Self.expected { XCTAssertEqual(try ck.tensor(name).scalars, values, name) }
    }

    func testBigEndianStorages() throws {
        var p = PickleAssembler()
        p.global("collections", "OrderedDict"); p.op(0x29); p.reduce()
        p.tensorItem("w", storage: "0", numel: 3, size: [3], stride: [1])
        p.stop()
        let file = try InteropFixtures.temporary(try InteropFixtures.torchZip(
            pickle: p.bytes, storages: [("0", .floats([1.5, -2, 1e-3], bigEndian: true))], byteorder: "big"))
        defer { try? FileManager.default.removeItem(atPath: file) }
        XCTAssertEqual(try TorchCheckpoint.load(file).tensor("w").scalars, [1.5, -2, 1e-3])
    }

    func testEveryParityCheckpointLoads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: InteropFixtures.directory).filter { $0.hasSuffix(".pth") }
            + ["r50-ibn-folder/model_final.pth"]
        XCTAssertGreaterThan(names.count, 10)
        for n in names {
            let ck = try TorchCheckpoint.load(InteropFixtures.path(n))
            let sd = try ck.floatStateDict()
            XCTAssertFalse(sd.isEmpty, n)
            XCTAssertFalse(sd.contains { $0.0.hasSuffix("num_batches_tracked") }, n)
            XCTAssertTrue(sd.allSatisfy { !$0.0.hasPrefix("module.") }, n)
            XCTAssertTrue(sd.allSatisfy { $0.1.scalars.allSatisfy(\.isFinite) }, n)
        }
        // FastReID's output folder: optimizer and scheduler state (with a collections.Counter) next to the model.
        let notes = try TorchCheckpoint.load(InteropFixtures.path("r50-ibn-folder/model_final.pth")).notes.joined()
        XCTAssertTrue(notes.contains("ignored: optimizer, lr_sched, iteration"), notes)
    }

    func refusal(_ module: String, _ name: String) throws -> String {
        var p = PickleAssembler()
        p.global(module, name); p.mark(); p.string("echo pwned"); p.tuple(); p.reduce(); p.stop()
        let file = try InteropFixtures.temporary(try InteropFixtures.torchZip(pickle: p.bytes))
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try TorchCheckpoint.load(file)
            XCTFail("\(module).\(name) was not refused")
            return ""
        } catch let e as InteropError { return e.message }
    }

    func testRefusesEveryOtherGlobalByName() throws {
        for (m, n) in [("os", "system"), ("posix", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("builtins", "getattr"),
                       ("torch", "load"), ("numpy.core.multiarray", "_reconstruct")] {
            XCTAssertTrue(try refusal(m, n).hasPrefix("refusing to load: the file calls `\(m).\(n)`"), "\(m).\(n)")
        }
        XCTAssertTrue(try refusal("torch.nn.modules.conv", "Conv2d").contains("save `model.state_dict()` instead"))
    }

    func testNotACheckpoint() throws {
        for (bytes, needle) in [(Data("hello".utf8), "not a PyTorch checkpoint"), (Data(), "not a PyTorch checkpoint"),
                                (try InteropFixtures.zip([("a.txt", Data("x".utf8))]), "without <name>/data.pkl")] {
            let file = try InteropFixtures.temporary(bytes)
            defer { try? FileManager.default.removeItem(atPath: file) }
            XCTAssertThrowsError(try TorchCheckpoint.load(file)) { e in
                XCTAssertTrue("\(e)".contains(needle), "\(e)")
                XCTAssertTrue("\(e)".hasPrefix(file), "the error names the file: \(e)")
            }
        }
    }
}
