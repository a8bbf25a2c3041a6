// safetensors: round trip, dtype conversion, corrupt-file errors, loading into a state dict,
// and interop with the reference Python package (skipped with a printed reason if missing).
import XCTest
import TestSupport
import Config
import Foundation
@testable import NN
@testable import Tensor

final class SafetensorsTests: XCTestCase {
    private var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }
    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    private func sampleStateDict() -> [(String, Tensor)] {
        var rng = RandomGenerator(seed: 7)
        return [
            ("backbone.conv1.weight", Tensor.randn([4, 3, 3, 3], rng: &rng)),
            ("backbone.bn1.running_mean", Tensor([0.5, -1, 2, 0])),
            ("backbone.bn1.num_batches_tracked", Tensor(12)),
            ("heads.classifier.weight", Tensor.randn([5, 4], rng: &rng)),
            ("empty", Tensor.zeros([0, 3])),
        ]
    }

    private func assertCheckpointError(_ body: @autoclosure () throws -> Any, contains parts: [String],
                                       file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected a CheckpointError", file: file, line: line)
        } catch let e as CheckpointError {
            for p in parts { XCTAssertTrue(e.description.contains(p), "«\(e.description)» lacks «\(p)»", file: file, line: line) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testRoundTripKeepsOrderValuesAndMetadata() throws {
        let sd = sampleStateDict()
        try Checkpoint.save(sd, metadata: ["arch": "resnet18", "note": "ü \"q\""], to: path("m.safetensors"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("m.safetensors")))
        let n = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(n % 8, 0, "header padded so data starts 8-byte aligned")
        let (back, meta) = try Checkpoint.load(path("m.safetensors"))
        XCTAssertEqual(back.map(\.0), sd.map(\.0))
        for ((_, a), (_, b)) in zip(sd, back) {
            XCTAssertEqual(a.shape, b.shape)
            XCTAssertEqual(a.scalars, b.scalars)
        }
        XCTAssertEqual(meta["arch"], "resnet18")
        XCTAssertEqual(meta["note"], "ü \"q\"")
        XCTAssertEqual(meta[Checkpoint.formatKey], Checkpoint.formatValue)
        XCTAssertEqual(meta[Checkpoint.toolVersionKey], ReidKDInfo.version)
    }

    func testHalfPrecisionConversion() {
        XCTAssertEqual(SafetensorsFile.halfToFloat(0x3C00), 1)
        XCTAssertEqual(SafetensorsFile.halfToFloat(0xC000), -2)
        XCTAssertEqual(SafetensorsFile.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(SafetensorsFile.halfToFloat(0x0001), 5.9604645e-08)  // smallest subnormal
        XCTAssertEqual(SafetensorsFile.halfToFloat(0x0400), 6.1035156e-05)  // smallest normal
        XCTAssertEqual(SafetensorsFile.halfToFloat(0x7C00), .infinity)
        XCTAssertTrue(SafetensorsFile.halfToFloat(0x7E00).isNaN)
    }

    /// A hand-built file: header JSON + raw bytes.
    private func rawFile(_ header: String, _ data: [UInt8], pad: Bool = true) -> Data {
        var h = Array(header.utf8)
        while pad && h.count % 8 != 0 { h.append(0x20) }
        var out = Data()
        var n = UInt64(h.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        out.append(contentsOf: data)
        return out
    }

    func testReadsOtherDtypes() throws {
        // BF16 1.5 = 0x3FC0; F16 −0.5 = 0xB800; I64 −3; BOOL true; U8 200.
        let bytes: [UInt8] = [0xC0, 0x3F, 0x00, 0xB8] + [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + [1, 200]
        let header = """
            {"bf":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},"h":{"dtype":"F16","shape":[1],"data_offsets":[2,4]},\
            "i":{"dtype":"I64","shape":[1,1],"data_offsets":[4,12]},"b":{"dtype":"BOOL","shape":[],"data_offsets":[12,13]},\
            "u":{"dtype":"U8","shape":[1],"data_offsets":[13,14]}}
            """
        let f = try SafetensorsFile.parse(rawFile(header, bytes), path: "x")
        XCTAssertEqual(f.entries.map(\.name), ["bf", "h", "i", "b", "u"])
        XCTAssertEqual(f.entries.map { $0.tensor.scalars[0] }, [1.5, -0.5, -3, 1, 200])
        XCTAssertEqual(f.entries[2].tensor.shape, [1, 1])
        XCTAssertEqual(f.entries[3].tensor.shape, [])
        XCTAssertEqual(f.entries[0].dtype, "BF16")
    }

    func testCorruptFilesGiveClearErrors() throws {
        let p = "bad.safetensors"
        assertCheckpointError(try SafetensorsFile.parse(Data([1, 2, 3]), path: p), contains: [p, "shorter than the 8-byte"])
        var huge = Data(repeating: 0xFF, count: 8)
        huge.append(contentsOf: [0x7B])
        assertCheckpointError(try SafetensorsFile.parse(huge, path: p), contains: ["exceeds the format's limit"])
        assertCheckpointError(try SafetensorsFile.parse(rawFile("{\"a\":1}", [], pad: false).prefix(10), path: p), contains: ["truncated"])
        assertCheckpointError(try SafetensorsFile.parse(rawFile("{not json", []), path: p), contains: ["not a JSON object"])
        let one = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
        assertCheckpointError(try SafetensorsFile.parse(rawFile(one, [0, 0, 0, 0]), path: p), contains: ["truncated", "\"w\""])
        assertCheckpointError(try SafetensorsFile.parse(rawFile(one, [UInt8](repeating: 0, count: 12)), path: p), contains: ["incomplete metadata"])
        let wrongSize = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"
        assertCheckpointError(try SafetensorsFile.parse(rawFile(wrongSize, [UInt8](repeating: 0, count: 8)), path: p), contains: ["\"w\"", "expected 12"])
        let gap = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
        assertCheckpointError(try SafetensorsFile.parse(rawFile(gap, [UInt8](repeating: 0, count: 8)), path: p), contains: ["gap or overlap"])
        let f8 = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}"
        assertCheckpointError(try SafetensorsFile.parse(rawFile(f8, [0]), path: p), contains: ["F8_E4M3 is not supported"])
        let noShape = "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}"
        assertCheckpointError(try SafetensorsFile.parse(rawFile(noShape, [0, 0, 0, 0]), path: p), contains: ["needs dtype, shape and data_offsets"])
        assertCheckpointError(try SafetensorsFile.read(path("missing.safetensors")), contains: ["missing.safetensors", "cannot read"])
        // A real file cut short.
        try Checkpoint.save(sampleStateDict(), to: path("cut.safetensors"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: path("cut.safetensors")))
        try whole.prefix(whole.count - 5).write(to: URL(fileURLWithPath: path("cut.safetensors")))
        assertCheckpointError(try Checkpoint.load(path("cut.safetensors")), contains: ["cut.safetensors", "truncated"])
        assertCheckpointError(try SafetensorsFile.write([("a", Tensor(1)), ("a", Tensor(2))], metadata: [:], to: path("d.safetensors")),
                              contains: ["duplicate tensor name \"a\""])
    }

    func testLoadIntoStateDictChecksNamesAndShapes() throws {
        let sd = sampleStateDict()
        try Checkpoint.save(sd, metadata: ["config_sha256": "abc"], to: path("m.safetensors"))
        // Same architecture: values copied into the live tensors.
        let live = sd.map { ($0.0, Tensor.zeros($0.1.shape)) }
        let meta = try Checkpoint.load(into: live, from: path("m.safetensors"))
        XCTAssertEqual(meta["config_sha256"], "abc")
        XCTAssertEqual(live[0].1.scalars, sd[0].1.scalars)
        // Different architecture: nothing copied, error lists names and shapes.
        let other: [(String, Tensor)] = [
            ("backbone.conv1.weight", Tensor.zeros([8, 3, 3, 3])),
            ("backbone.bn1.running_mean", Tensor.zeros([4])),
            ("backbone.layer1.0.conv1.weight", Tensor.zeros([4, 4, 1, 1])),
        ]
        assertCheckpointError(try Checkpoint.load(into: other, from: path("m.safetensors")), contains: [
            "m.safetensors", "backbone.conv1.weight: checkpoint [4, 3, 3, 3] vs model [8, 3, 3, 3]",
            "missing from checkpoint (1): backbone.layer1.0.conv1.weight",
            "unexpected in checkpoint (3): backbone.bn1.num_batches_tracked, heads.classifier.weight, empty",
        ])
        XCTAssertEqual(other[1].1.scalars, [0, 0, 0, 0], "nothing is copied when a check fails")
        // Non-strict: common names with equal shapes load; shape mismatches are still errors.
        let partial: [(String, Tensor)] = [("backbone.bn1.running_mean", Tensor.zeros([4])), ("new.weight", Tensor.zeros([2]))]
        try Checkpoint.load(into: partial, from: path("m.safetensors"), strict: false)
        XCTAssertEqual(partial[0].1.scalars, [0.5, -1, 2, 0])
        assertCheckpointError(try Checkpoint.load(into: other, from: path("m.safetensors"), strict: false), contains: ["shape mismatches (1)"])
    }

    func testPythonReadsOurFile() throws {
        try PythonInterop.require(["numpy", "safetensors"])
        let sd = sampleStateDict()
        try Checkpoint.save(sd, metadata: ["arch": "resnet18"], to: path("py.safetensors"))
        let out = try PythonInterop.check(["read", path("py.safetensors")])
        let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let meta = json["metadata"] as! [String: String]
        XCTAssertEqual(meta["arch"], "resnet18")
        let tensors = json["tensors"] as! [String: [String: Any]]
        XCTAssertEqual(Set(tensors.keys), Set(sd.map(\.0)))
        for (name, t) in sd {
            let entry = tensors[name]!
            XCTAssertEqual(entry["dtype"] as? String, "float32")
            XCTAssertEqual(entry["shape"] as? [Int], t.shape, name)
            let values = (entry["values"] as! [Any]).map { Float(($0 as! NSNumber).doubleValue) }
            XCTAssertEqual(values, t.scalars, name)  // exact: float32 → double → float32
        }
    }

    func testWeReadPythonFile() throws {
        try PythonInterop.require(["numpy", "safetensors"])
        _ = try PythonInterop.check(["write", path("from-py.safetensors")])
        let f = try SafetensorsFile.read(path("from-py.safetensors"))
        XCTAssertEqual(f.metadata["origin"], "python")
        let byName = Dictionary(uniqueKeysWithValues: f.entries.map { ($0.name, $0) })
        XCTAssertEqual(byName["a.f32"]!.tensor.scalars, [1.5, -2.25, 3.0, 1e-3])
        XCTAssertEqual(byName["a.f32"]!.tensor.shape, [2, 2])
        XCTAssertEqual(byName["b.f16"]!.dtype, "F16")
        XCTAssertEqual(byName["b.f16"]!.tensor.scalars, [0.5, -1.0, 65504.0, 6.1035156e-05, 5.9604645e-08])
        XCTAssertEqual(byName["c.f64"]!.tensor.scalars, [Float(1.0 / 3.0), -7.25])
        XCTAssertEqual(byName["d.i64"]!.tensor.scalars, [0, -3, 751])
        XCTAssertEqual(byName["d.i64"]!.tensor.shape, [1, 3])
        XCTAssertEqual(byName["e.i32"]!.tensor.shape, [])
        XCTAssertEqual(byName["e.i32"]!.tensor.scalars, [42])
    }
}

final class CheckpointConfigTests: XCTestCase {
    func testConfigTravelsInMetadata() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-cc-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cfg = try nnSchema.load(yaml: "MODEL.BACKBONE.DEPTH: 18\nSOLVER.BASE_LR: 0.01")
        try Checkpoint.save([("w", Tensor([1, 2]))], config: cfg, metadata: ["epoch": "3"], to: path)
        let (_, meta) = try Checkpoint.load(path)
        XCTAssertEqual(meta["epoch"], "3")
        XCTAssertEqual(meta[Checkpoint.configHashKey], cfg.sha256)
        let back = try XCTUnwrap(try Checkpoint.config(from: meta, path: path, schema: nnSchema))
        XCTAssertEqual(back, cfg)
        XCTAssertNil(try Checkpoint.config(from: [:], path: path, schema: nnSchema))
        XCTAssertThrowsError(try Checkpoint.config(from: [Checkpoint.configKey: "NOPE: 1"], path: path, schema: nnSchema)) { e in
            XCTAssertTrue("\(e)".contains("stored config no longer loads"), "\(e)")
        }
    }
}
