// The plan-time smoke check: engine preconditions a config can reach become errors that name
// the run and the key (instead of a SIGILL in a worker); a good plan passes; the trainer
// refuses the same configs up front; planning against a store in memory writes nothing.
import XCTest
import Foundation
import Store
import NN
@testable import Distill

final class SmokeCheckTests: XCTestCase {
    func plan(_ runs: String, _ dir: String) throws -> SweepRunner {
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 1, evalPeriod: 1)
        try """
        name: smoke
        teacher: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25}}
        student: {config: base.yaml}
        runs:
        \(runs)
        baseline: true
        """.write(toFile: "\(dir)/smoke.yaml", atomically: true, encoding: .utf8)
        return try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/smoke.yaml"), specPath: "\(dir)/smoke.yaml",
                               store: try ExperimentStore.inMemory(), resultsRoot: "\(dir)/results")
    }

    func testConfigReachablePreconditionsAreNamedPlanErrors() throws {
        let dir = NSTemporaryDirectory() + "reidkd-smoke-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(run: String, expect: [String])] = [
            ("{KD.METHOD: kl, MODEL.HEADS.POOL_LAYER: Identity}", ["POOL_LAYER=Identity", "MODEL.HEADS.POOL_LAYER identity", "1×1"]),
            ("{KD.METHOD: kl, MODEL.HEADS.POOL_LAYER: Flatten, INPUT.SIZE_TEST: [64, 32]}", ["POOL_LAYER=Flatten", "INPUT.SIZE_TEST [64, 32]"]),
            ("{KD.METHOD: kl, MODEL.HEADS.NUM_CLASSES: 1}", ["NUM_CLASSES=1", "MODEL.HEADS.NUM_CLASSES is 1"]),
            ("{KD.METHOD: hint, KD.HINT_STAGE: 3, MODEL.BACKBONE.NAME: mobilenetv2}", []),
            ("{KD.METHOD: kl+mse+rkd+pkt+sp+cos, MODEL.HEADS.EMBEDDING_DIM: 7}", []),
        ]
        for c in cases {
            let runner = try plan("  - \(c.run)", dir)
            if c.expect.isEmpty {
                XCTAssertEqual(try SweepSmokeCheck.run(runner.runs), 3, c.run)   // teacher, baseline, the run
                continue
            }
            XCTAssertThrowsError(try SweepSmokeCheck.run(runner.runs), c.run) { e in
                let m = "\(e)"
                XCTAssertTrue(m.hasPrefix("run student-") && m.contains("smoke check"), m)
                for part in c.expect { XCTAssertTrue(m.contains(part), "«\(m)» lacks «\(part)»") }
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/results"), "planning and checking write nothing")
    }

    func testTrainerRefusesAnUnevaluableModel() throws {
        let dir = NSTemporaryDirectory() + "reidkd-smoke-train-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try TrainerTests.config(["MODEL.HEADS.POOL_LAYER", "Flatten", "INPUT.SIZE_TEST", "[64, 32]"], out: dir)
        XCTAssertThrowsError(try Trainer(config: c, data: try TrainingData(config: c), teacher: nil, options: TrainerOptions(outputDir: dir))) {
            XCTAssertTrue("\($0)".contains("INPUT.SIZE_TEST [64, 32]"), "\($0)")
        }
    }
}
