// The bad inputs of the CLI battery, written once into a scratch folder: corrupt and oversized
// images, hostile YAML, malformed checkpoints, `.npy` files and JSON sidecars, and stores that
// are not stores. Everything is tiny (bytes to a few KB) so the whole battery runs in seconds.
import Foundation
import GRDB
import Tensor
import Config
import NN
import Distill
import Data
import Store
import Support
import Export

enum BadInputs {
    /// 9 levels × 9 aliases: 9⁹ ≈ 387 million strings from a 350-byte file.
    static let billionLaughs: String = {
        var lines = ["a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        for i in 1...8 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ",") + "]") }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The model config of the fixture checkpoints: a ResNet-18 ×0.125 on 16×8 inputs.
    static let modelYAML = """
        MODEL:
          BACKBONE: {NAME: resnet, DEPTH: 18, WIDTH: 0.125, LAST_STRIDE: 1}
        INPUT: {SIZE_TRAIN: [16, 8], SIZE_TEST: [16, 8]}
        DATASETS: {ROOT: no-such-dataset}
        """

    static func write(_ text: String, _ path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
    static func mkdir(_ path: String) throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    // MARK: Images

    static func tinyImage(_ w: Int = 4, _ h: Int = 8) -> RGBImage {
        RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(($0 * 37) % 256) })
    }

    /// A 2×2 PNG whose IHDR (CRC fixed up) claims `width`×`height`: the pixel data stays 2 rows.
    static func pngBomb(width: UInt32 = 60_000, height: UInt32 = 60_000) throws -> [UInt8] {
        var b = try PNGCodec.encode(tinyImage(2, 2))
        // Signature (8) + IHDR length (4) + "IHDR" (4) → width at 16, height at 20, CRC at 29.
        for (i, v) in [width, height].enumerated() { for k in 0..<4 { b[16 + 4 * i + k] = UInt8((v >> (24 - 8 * k)) & 0xFF) } }
        let crc = crc32(Array(b[12..<29]))
        for k in 0..<4 { b[29 + k] = UInt8((crc >> (24 - 8 * k)) & 0xFF) }
        return b
    }

    /// A tiny baseline JPEG whose SOF0 header claims 65000×65000.
    static func jpegBomb() throws -> [UInt8] {
        var b = try JPEGCodec.encode(tinyImage(8, 8))
        guard let sof = (0..<(b.count - 1)).first(where: { b[$0] == 0xFF && b[$0 + 1] == 0xC0 }) else { return b }
        // FFC0, length (2), precision (1), height (2), width (2).
        for off in [5, 7] { b[sof + off] = 0xFD; b[sof + off + 1] = 0xE8 }   // 65000
        return b
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    /// A Market-1501-style folder of three tiny images plus `bad` as a train image.
    static func dataset(_ root: String, bad: [UInt8], name: String = "0003_c1s1_000003_01.png") throws {
        for (dir, file) in [("bounding_box_train", "0001_c1s1_000001_01.png"), ("query", "0002_c1s1_000002_01.png"),
                            ("bounding_box_test", "0002_c2s1_000004_01.png")] {
            try mkdir("\(root)/\(dir)")
            try ImageIO.savePNG(tinyImage(), to: "\(root)/\(dir)/\(file)")
        }
        try write(bad, "\(root)/bounding_box_train/\(name)")
    }

    // MARK: Models, checkpoints and exported folders

    static func model() throws -> (ReidModel, ResolvedConfig) {
        let config = try RunConfig.schema.load(yaml: modelYAML)
        let model = try ReidModel(spec: ModelSpec(config: config, numClasses: 4, inputSize: [16, 8]), seed: 1)
        model.eval()
        return (model, config)
    }

    /// An export folder (model.safetensors + preprocess.json) as `reidkd export` writes it.
    static func exportFolder(_ dir: String, model: ReidModel, config: ResolvedConfig) throws {
        try mkdir(dir)
        try Checkpoint.save(model.stateDict(), config: config, to: "\(dir)/model.safetensors")
        try Data(try Preprocess(config: config, model: model).json()).write(to: URL(fileURLWithPath: "\(dir)/preprocess.json"))
    }

    /// A valid preprocess.json with `edit` applied to its JSON object.
    static func preprocess(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/preprocess.json"))
        var obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: URL(fileURLWithPath: "\(dir)/preprocess.json"))
    }

    /// A safetensors file from a raw header (JSON text) and `data` bytes.
    static func safetensors(header: String, data: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        let out: [UInt8] = (0..<8).map { UInt8((UInt64(h.count) >> (8 * $0)) & 0xFF) }
        return out + h + data
    }

    // MARK: .npy

    /// A version-1 `.npy` with `header` (padded like NumPy's) and `data`.
    static func npy(header: String, data: [UInt8]) -> [UInt8] {
        var h = header
        h += String(repeating: " ", count: (64 - (10 + h.utf8.count + 1) % 64) % 64) + "\n"
        let n = h.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(h.utf8) + data
    }

    static func npyFloats(_ rows: Int, _ cols: Int) -> [UInt8] {
        npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }",
            data: (0..<(rows * cols)).flatMap { i -> [UInt8] in
                let bits = Float(i % 7).bitPattern
                return (0..<4).map { UInt8((bits >> (8 * $0)) & 0xFF) }
            })
    }

    // MARK: Stores

    /// A store with a sweep named `..` (as an older ReidKD accepted) whose finished student has
    /// a real checkpoint, so that `report` and `export` reach the point where they form folders.
    static func storeWithUnsafeSweepName(_ path: String, checkpoint: String) throws {
        let store = try ExperimentStore(path: path)
        let sweep = try store.findOrCreateSweep(name: "..", spec: "name: ..")
        let r = try store.enqueue([RunSpec(name: "student", role: .student, config: "{}", configHash: "h", seed: 1)], sweep: sweep)[0]
        try store.start(r.id)
        try store.setSummary(run: r.id, ["mAP": 50, "R1": 60, "gflops": 0.01])
        _ = try store.recordArtifact(run: r.id, kind: "model", file: checkpoint)
        try store.markFinished(r.id)
    }

    /// A store whose schema names a migration this build does not know.
    static func storeFromTheFuture(_ path: String) throws {
        _ = try ExperimentStore(path: path)
        let db = try DatabaseQueue(path: path)
        try db.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')") }
    }

    /// Every row of every table (read-only): equal digests mean equal content, whatever SQLite
    /// did to the file's header bytes. nil when the file is not SQLite.
    static func storeDigest(_ path: String) -> String? {
        var config = Configuration()
        config.readonly = true
        let db: DatabaseQueue
        do { db = try DatabaseQueue(path: path, configuration: config) } catch { return nil }
        do { return try db.read { db -> String in
            var text = ""
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                text += "\(table):"
                // Sorted row texts: some tables are WITHOUT ROWID, and order is not content.
                text += try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map(\.description).sorted().joined(separator: "\n")
                text += "\n"
            }
            return SHA256.hex(text)
        } } catch { return nil }
    }
}
