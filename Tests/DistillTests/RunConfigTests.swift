// The full run schema (every module's keys, composed in Distill): loading, inheritance,
// overrides, unknown keys, type/range errors, printing and hashing, and the docs table.
import Support
import XCTest
import Foundation
import TestSupport
import Config
import NN
import Data
import Eval
@testable import Distill

final class RunConfigTests: XCTestCase {
    private let schema = RunConfig.schema
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    @discardableResult
    private func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func assertConfigError(_ body: @autoclosure () throws -> Any, contains parts: [String],
                                   file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected a ConfigError", file: file, line: line)
        } catch let e as ConfigError {
            for p in parts { XCTAssertTrue(e.message.contains(p), "«\(e.message)» lacks «\(p)»", file: file, line: line) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testDefaultsAreWellFormed() {
        let keys = schema.keys.map(\.key)
        XCTAssertEqual(Set(keys).count, keys.count, "duplicate key")
        for k in keys {  // no key is also a group
            XCTAssertFalse(keys.contains { $0.hasPrefix(k + ".") }, "\(k) is both a value and a group")
        }
        for spec in schema.keys {  // every default passes its own type check
            XCTAssertNoThrow(try schema.load(yaml: "\(spec.key): \(spec.defaultValue.yaml)"), spec.key)
        }
        let c = RunConfig.defaults
        XCTAssertEqual(c[\ModelKeys.depth], 50)
        XCTAssertEqual(c[\SolverKeys.opt], "Adam")
        XCTAssertEqual(c[\SolverKeys.baseLR], 3e-4)
        XCTAssertEqual(c[\SolverKeys.steps], [30, 55])
        XCTAssertEqual(c[\InputKeys.sizeTrain], [256, 128])
        XCTAssertEqual(c[\LossKeys.ceEpsilon], 0.1)
        // Each module's group is in the schema, in printing order.
        XCTAssertEqual(schema.keys.first?.key, "MODEL.PIXEL_MEAN")
        XCTAssertEqual(schema.keys.last?.key, "OUTPUT_DIR")
    }

    func testBaseInheritanceAndOverrides() throws {
        try write("Base.yml", """
            MODEL:
              BACKBONE: {DEPTH: 50, WITH_IBN: true}
              LOSSES:
                NAME: [CrossEntropyLoss, TripletLoss]
            SOLVER:
              BASE_LR: 3.5e-4
              ETA_MIN_LR: 1e-7
              STEPS: [40, 90]
            """)
        try write("sub/Mid.yml", "_BASE_: ../Base.yml\nSOLVER.OPT: SGD\nMODEL.BACKBONE.DEPTH: 34\n")
        let child = try write("sub/r18.yml", """
            _BASE_: Mid.yml
            MODEL:
              BACKBONE:
                DEPTH: 18
            INPUT.SIZE_TRAIN: [128, 64]
            """)
        let c = try RunConfig.load(file: child, overrides: ["SOLVER.BASE_LR", "0.01", "INPUT.SIZE_TEST", "(128, 64)",
                                                            "MODEL.LOSSES.NAME", "CrossEntropyLoss"])
        XCTAssertEqual(c[\ModelKeys.depth], 18)               // child beats parents
        XCTAssertTrue(c[\ModelKeys.withIBN])                  // inherited from the grandparent
        XCTAssertEqual(c[\SolverKeys.opt], "SGD")             // inherited from the parent
        XCTAssertEqual(c[\SolverKeys.steps], [40, 90])
        XCTAssertEqual(c[\SolverKeys.etaMinLR], 1e-7)         // "1e-7" (a YAML 1.1 string) read as a float
        XCTAssertEqual(c[\SolverKeys.baseLR], 0.01)           // --opts beat the file
        XCTAssertEqual(c[\InputKeys.sizeTrain], [128, 64])
        XCTAssertEqual(c[\InputKeys.sizeTest], [128, 64])     // yacs tuple syntax
        XCTAssertEqual(c[\LossKeys.names], ["CrossEntropyLoss"])  // scalar → one-element list
        XCTAssertEqual(c.changedKeys.first, "MODEL.BACKBONE.DEPTH")
    }

    func testBaseErrors() throws {
        let missing = try write("a.yml", "_BASE_: nowhere.yml\n")
        assertConfigError(try schema.load(file: missing), contains: ["nowhere.yml", "cannot read", "named by _BASE_ in"])
        try write("x.yml", "_BASE_: y.yml\n")
        let y = try write("y.yml", "_BASE_: x.yml\n")
        assertConfigError(try schema.load(file: y), contains: ["_BASE_ cycle"])
        assertConfigError(try schema.load(file: dir.appendingPathComponent("none.yml").path), contains: ["none.yml", "cannot read config file"])
        let bad = try write("bad.yml", "MODEL: [1, 2\n")
        assertConfigError(try schema.load(file: bad), contains: ["bad.yml", "not valid YAML"])
    }

    func testUnknownKeysSuggest() throws {
        let f = try write("typo.yml", "MODEL:\n  BACKBONE:\n    DEPHT: 34\n")
        assertConfigError(try schema.load(file: f), contains: ["typo.yml", "unknown config key MODEL.BACKBONE.DEPHT", "Did you mean MODEL.BACKBONE.DEPTH?"])
        assertConfigError(try schema.load(yaml: "SOLVER.BASELR: 0.1"), contains: ["Did you mean SOLVER.BASE_LR?"])
        // Right leaf under the wrong group.
        assertConfigError(try schema.load(yaml: "", overrides: ["MODEL.LAST_STRIDE", "2"]),
                          contains: ["--opts", "Did you mean MODEL.BACKBONE.LAST_STRIDE?"])
        assertConfigError(try schema.load(yaml: "INPUT: {FLIP: true}"), contains: ["INPUT.FLIP is a group of keys", "INPUT.FLIP.ENABLED"])
        assertConfigError(try schema.load(yaml: "SOLVER: {BASE_LR: {X: 1}}"), contains: ["SOLVER.BASE_LR takes a value"])
    }

    func testTypeAndRangeErrors() {
        assertConfigError(try schema.load(yaml: "SOLVER: {BASE_LR: fast}"), contains: ["SOLVER.BASE_LR", "expected a number", "\"fast\""])
        assertConfigError(try schema.load(yaml: "SOLVER.IMS_PER_BATCH: 6.5"), contains: ["SOLVER.IMS_PER_BATCH", "expected an integer"])
        assertConfigError(try schema.load(yaml: "SOLVER.BASE_LR: -1.0"), contains: ["SOLVER.BASE_LR", "out of range"])
        assertConfigError(try schema.load(yaml: "MODEL.BACKBONE.DEPTH: 19"), contains: ["MODEL.BACKBONE.DEPTH", "one of 18, 34, 50, 101"])
        assertConfigError(try schema.load(yaml: "SOLVER.OPT: sgd"), contains: ["SOLVER.OPT", "Did you mean SGD?"])
        assertConfigError(try schema.load(yaml: "INPUT.SIZE_TRAIN: [256]"), contains: ["INPUT.SIZE_TRAIN", "2 ×", "got 1 item"])
        assertConfigError(try schema.load(yaml: "INPUT.FLIP.ENABLED: 3"), contains: ["INPUT.FLIP.ENABLED", "true or false"])
        assertConfigError(try schema.load(yaml: "SOLVER.STEPS: [50, 20]"), contains: ["SOLVER.STEPS must be increasing"])
        assertConfigError(try schema.load(yaml: "SOLVER.IMS_PER_BATCH: 30"), contains: ["multiple of DATALOADER.NUM_INSTANCE"])
        assertConfigError(try schema.load(yaml: "", overrides: ["SOLVER.BASE_LR"]), contains: ["odd number"])
        assertConfigError(try schema.load(yaml: "MODEL.BACKBONE.DEPTH: 18\nMODEL: {BACKBONE: {DEPTH: 34}}"), contains: ["set twice"])
    }

    func testYAMLRoundTripAndHash() throws {
        let c = try schema.load(yaml: "SOLVER: {BASE_LR: 3.5e-4, ETA_MIN_LR: 1e-7}\nMODEL.HEADS.CLS_LAYER: \"Circle: \\\"soft\\\"\"",
                                      overrides: ["OUTPUT_DIR", "runs/x"])
        let again = try schema.load(yaml: c.yaml)
        XCTAssertEqual(again, c)
        XCTAssertEqual(again.sha256, c.sha256)
        XCTAssertTrue(c.yaml.contains("ETA_MIN_LR: 1.0e-07"), "floats keep a '.' so YAML 1.1 readers see floats")
        XCTAssertTrue(c.yaml.hasPrefix("MODEL:\n  PIXEL_MEAN: "))
        // The hash ignores OUTPUT_DIR and DATASETS.ROOT but sees everything else.
        let d = try schema.load(yaml: c.yaml, overrides: ["OUTPUT_DIR", "elsewhere", "DATASETS.ROOT", "/data"])
        XCTAssertEqual(d.sha256, c.sha256)
        let e = try schema.load(yaml: c.yaml, overrides: ["SEED", "1"])
        XCTAssertNotEqual(e.sha256, c.sha256)
        // 3 and 3.0 are the same float value: same hash.
        let f1 = try schema.load(yaml: "MODEL.HEADS.SCALE: 3"), f2 = try schema.load(yaml: "MODEL.HEADS.SCALE: 3.0")
        XCTAssertEqual(f1.sha256, f2.sha256)
    }

    func testCanonicalJSONIsStable() {
        let json = RunConfig.defaults.canonicalJSON
        XCTAssertTrue(json.hasPrefix("{\"DATALOADER\":{\"NUM_INSTANCE\":4,\"SAMPLER_TRAIN\":\"NaiveIdentitySampler\"},\"DATASETS\":{\"NAMES\":[\"Market1501\"],\"TESTS\":[\"Market1501\"]},"), json)
        XCTAssertFalse(json.contains("NUM_WORKERS"), "threads do not change results")
        XCTAssertFalse(json.contains("CHECKPOINT_PERIOD"), "checkpoints do not change results")
        XCTAssertTrue(json.contains("\"BASE_LR\":0.0003,"))
        XCTAssertTrue(json.contains("\"ETA_MIN_LR\":1e-07,"))  // Python repr
        XCTAssertFalse(json.contains("OUTPUT_DIR"))
        XCTAssertFalse(json.contains(" "))
        // Pinned: the defaults' hash changes only when a default or a key changes. Update it
        // deliberately (and say so in the changelog: stored runs are keyed by this hash).
        XCTAssertEqual(SHA256.hex(json), RunConfig.defaults.sha256)
        XCTAssertEqual(RunConfig.defaults.sha256, Self.pinnedDefaultsHash)
    }

    static let pinnedDefaultsHash = "6b4221764b51444072abb9a5dca8eb88ab285ce1fb97e5c907f2555b05f07a30"  // + KD.TEACHER_MIX (issue 15), MODEL.BACKBONE.STEM_POOL and PRETRAIN_PATH (issue 18)

    func testCanonicalJSONMatchesPython() throws {
        try PythonInterop.require(["json"])
        let json = RunConfig.defaults.canonicalJSON
        XCTAssertEqual(try PythonInterop.check(["canon"], stdin: json), json)
    }

    func testDocsTableMatchesDefaults() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/CONFIG.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        XCTAssertTrue(text.contains(schema.markdownTable()),
                      "docs/CONFIG.md is out of date: regenerate its table with `reidkd config keys --markdown`")
    }
}
