// Reading FastReID configs (a `_BASE_` chain and `cfg.dump()` output) and mapping them to ReidKD
// config keys: FastReID's defaults for keys a file leaves out, every unsupported model-changing
// value an error naming its key, every other key reported as ignored (with why) or unknown.
import XCTest
import Foundation
@testable import Interop

final class FastReIDConfigTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "reidkd-frcfg-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: "\(dir)/configs/Market", withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ rel: String, _ text: String) -> String {
        let p = "\(dir)/\(rel)"
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func mapped(_ text: String) throws -> FastReIDModelConfig {
        try FastReIDMapping.map(try FastReIDConfig.load(write("c-\(UUID().uuidString).yml", text)))
    }

    func value(_ m: FastReIDModelConfig, _ key: String) -> String? { m.overrides.last { $0.key == key }?.value }

    func testBaseChainAndDump() throws {
        // The layout of fast-reid's configs/: Base-bagtricks.yml ← Base-SBS.yml ← Market/sbs_R50-ibn.yml.
        _ = write("configs/Base-bagtricks.yml", """
            MODEL:
              META_ARCHITECTURE: Baseline
              BACKBONE: {NAME: build_resnet_backbone, NORM: BN, DEPTH: 50x, LAST_STRIDE: 1, FEAT_DIM: 2048, WITH_IBN: False, PRETRAIN: True}
              HEADS: {NAME: EmbeddingHead, NORM: BN, WITH_BNNECK: True, POOL_LAYER: GlobalAvgPool, NECK_FEAT: before, CLS_LAYER: Linear}
              LOSSES:
                NAME: ("CrossEntropyLoss", "TripletLoss",)
            INPUT:
              SIZE_TRAIN: [ 256, 128 ]
              SIZE_TEST: [ 256, 128 ]
            SOLVER: {OPT: Adam, BASE_LR: 0.00035}
            TEST: {EVAL_PERIOD: 30}
            """)
        _ = write("configs/Base-SBS.yml", """
            _BASE_: Base-bagtricks.yml
            MODEL:
              BACKBONE: {WITH_NL: False}
              HEADS: {NECK_FEAT: after, POOL_LAYER: GeneralizedMeanPoolingP, CLS_LAYER: CircleSoftmax, SCALE: 64, MARGIN: 0.35}
            INPUT:
              SIZE_TRAIN: [ 384, 128 ]
              SIZE_TEST: [ 384, 128 ]
            """)
        let child = write("configs/Market/sbs_R50-ibn.yml", """
            _BASE_: ../Base-SBS.yml
            MODEL:
              BACKBONE:
                WITH_IBN: True
            DATASETS:
              NAMES: ("Market1501",)
            OUTPUT_DIR: logs/market1501/sbs_R50-ibn
            MY_PROJECT_KEY: 3
            """)
        let m = try FastReIDMapping.map(try FastReIDConfig.load(child))
        XCTAssertEqual(value(m, "MODEL.BACKBONE.DEPTH"), "50")
        XCTAssertEqual(value(m, "MODEL.BACKBONE.WITH_IBN"), "true", "the child overrides its base")
        XCTAssertEqual(value(m, "MODEL.BACKBONE.STEM_POOL"), "fastreid")
        XCTAssertEqual(value(m, "MODEL.HEADS.POOL_LAYER"), "GeneralizedMeanPoolingP", "the middle base overrides the root")
        XCTAssertEqual(value(m, "MODEL.HEADS.CLS_LAYER"), "CircleSoftmax")
        XCTAssertEqual(value(m, "MODEL.HEADS.SCALE"), "64.0")
        XCTAssertEqual(value(m, "MODEL.HEADS.MARGIN"), "0.35")
        XCTAssertEqual(value(m, "MODEL.HEADS.NECK_FEAT"), "after", "FastReID's eval output is post-neck")
        XCTAssertEqual(value(m, "INPUT.SIZE_TEST"), "[384, 128]")
        XCTAssertEqual(value(m, "INPUT.SIZE_TRAIN"), "[384, 128]")
        XCTAssertEqual(value(m, "MODEL.PIXEL_MEAN"), "[123.675, 116.28, 103.53]", "FastReID's default")
        XCTAssertEqual(m.featDim, 2048)
        let ignored = Dictionary(m.ignored.map { ($0.key, $0.reason) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(ignored["SOLVER.BASE_LR"], "training schedule and optimiser")
        XCTAssertEqual(ignored["MODEL.LOSSES.NAME"], "losses (training only)")
        XCTAssertNotNil(ignored["MODEL.BACKBONE.PRETRAIN"])
        XCTAssertNotNil(ignored["MODEL.HEADS.NECK_FEAT"])
        XCTAssertNotNil(ignored["DATASETS.NAMES"])
        XCTAssertEqual(m.unknown.map(\.key), ["MY_PROJECT_KEY"])

        // A cfg.dump() output: every key present, no _BASE_.
        let dump = try FastReIDMapping.map(try FastReIDConfig.load(InteropFixtures.path("r50.yml")))
        XCTAssertEqual(value(dump, "MODEL.BACKBONE.DEPTH"), "50")
        XCTAssertEqual(value(dump, "MODEL.HEADS.WITH_BNNECK"), "true")
        XCTAssertTrue(dump.unknown.isEmpty, "\(dump.unknown)")
        XCTAssertGreaterThan(dump.ignored.count, 90, "a dump lists every training key as ignored")
    }

    func testFastReIDDefaultsForMissingKeys() throws {
        let m = try mapped("MODEL: {BACKBONE: {DEPTH: 18x, FEAT_DIM: 512}}\n")
        XCTAssertEqual(value(m, "MODEL.HEADS.WITH_BNNECK"), "false", "FastReID's default WITH_BNNECK is False (ours true)")
        XCTAssertEqual(value(m, "MODEL.HEADS.POOL_LAYER"), "GlobalAvgPool")
        XCTAssertEqual(value(m, "INPUT.SIZE_TEST"), "[256, 128]")
        XCTAssertEqual(value(m, "MODEL.BACKBONE.LAST_STRIDE"), "1")
        // yacs literal forms YAML reads as strings.
        let t = try mapped("INPUT: {SIZE_TEST: '(128, 64)'}\nMODEL: {PIXEL_MEAN: '[127.5, 127.5, 127.5]', HEADS: {WITH_BNNECK: 'True'}}\n")
        XCTAssertEqual(value(t, "INPUT.SIZE_TEST"), "[128, 64]")
        XCTAssertEqual(value(t, "MODEL.PIXEL_MEAN"), "[127.5, 127.5, 127.5]")
        XCTAssertEqual(value(t, "MODEL.HEADS.WITH_BNNECK"), "true")
        // MobileNetV2: width from DEPTH, FastReID ignores LAST_STRIDE (stride 2 kept).
        let mb = try mapped("MODEL: {BACKBONE: {NAME: build_mobilenetv2_backbone, DEPTH: 0.5x, FEAT_DIM: 1280, WITH_IBN: True}}\n")
        XCTAssertEqual(value(mb, "MODEL.BACKBONE.WIDTH"), "0.5")
        XCTAssertEqual(value(mb, "MODEL.BACKBONE.LAST_STRIDE"), "2")
        XCTAssertNil(value(mb, "MODEL.BACKBONE.STEM_POOL"))
    }

    func testUnsupportedModelChangingValuesAreErrorsNamingTheKey() throws {
        for (yaml, key) in [
            ("MODEL: {BACKBONE: {WITH_NL: true}}", "MODEL.BACKBONE.WITH_NL: True"),
            ("MODEL: {BACKBONE: {NORM: GN}}", "MODEL.BACKBONE.NORM: GN"),
            ("MODEL: {HEADS: {NORM: GN}}", "MODEL.HEADS.NORM: GN"),
            ("MODEL: {META_ARCHITECTURE: MGN}", "MODEL.META_ARCHITECTURE: MGN"),
            ("MODEL: {BACKBONE: {NAME: build_osnet_backbone}}", "MODEL.BACKBONE.NAME: build_osnet_backbone"),
            ("MODEL: {BACKBONE: {DEPTH: 152x}}", "MODEL.BACKBONE.DEPTH: 152x"),
            ("MODEL: {BACKBONE: {NAME: build_mobilenetv2_backbone, DEPTH: 0.1x}}", "MODEL.BACKBONE.DEPTH: 0.1x"),
            ("MODEL: {HEADS: {POOL_LAYER: ClipGlobalAvgPool}}", "MODEL.HEADS.POOL_LAYER: ClipGlobalAvgPool"),
            ("MODEL: {HEADS: {NAME: ClasHead}}", "MODEL.HEADS.NAME: ClasHead"),
            ("MODEL: {HEADS: {CLS_LAYER: AMSoftmax}}", "MODEL.HEADS.CLS_LAYER: AMSoftmax"),
            ("INPUT: {CROP: {ENABLED: True}}", "INPUT.CROP.ENABLED: True"),
            ("MODEL: {PIXEL_MEAN: [1, 2]}", "MODEL.PIXEL_MEAN: [1, 2]"),
        ] {
            XCTAssertThrowsError(try mapped(yaml + "\n")) { e in
                XCTAssertTrue("\(e)".contains(key), "\(yaml): \(e)")
                XCTAssertTrue("\(e)".contains(self.dir), "names the file: \(e)")
            }
        }
    }

    func testBaseErrors() throws {
        let a = write("a.yml", "_BASE_: b.yml\n"), _ = write("b.yml", "_BASE_: a.yml\n")
        XCTAssertThrowsError(try FastReIDConfig.load(a)) { XCTAssertTrue("\($0)".contains("_BASE_ cycle"), "\($0)") }
        let m = write("m.yml", "_BASE_: missing.yml\n")
        XCTAssertThrowsError(try FastReIDConfig.load(m)) { XCTAssertTrue("\($0)".contains("named by _BASE_ in"), "\($0)") }
        let u = write("u.yml", "_BASE_: https://example.com/Base.yml\n")
        XCTAssertThrowsError(try FastReIDConfig.load(u)) { XCTAssertTrue("\($0)".contains("is a URL"), "\($0)") }
        let bad = write("bad.yml", "MODEL: [1, 2\n")
        XCTAssertThrowsError(try FastReIDConfig.load(bad)) { XCTAssertTrue("\($0)".contains("not valid YAML"), "\($0)") }
    }
}
