// Keys that used to be accepted and ignored, now taking effect: MODEL.WEIGHTS initialises the
// model, SOLVER.CHECKPOINT_PERIOD spaces the checkpoints, every DATASETS.TESTS entry is
// evaluated and recorded, DATALOADER.NUM_WORKERS sets decoding threads without changing batches.
import XCTest
import Foundation
import Tensor
import Config
import NN
import Data
import Store
@testable import Distill

final class SilentKeyTests: XCTestCase {
    func temp(_ name: String) -> String { NSTemporaryDirectory() + "reidkd-silent-\(name)-\(UUID().uuidString)" }

    func trainer(_ opts: [String], out: String, iterations: Int? = nil) throws -> Trainer {
        let c = try TrainerTests.config(opts, out: out)
        var o = TrainerOptions(outputDir: out); o.maxIterations = iterations
        let t = try Trainer(config: c, data: try TrainingData(config: c), teacher: nil, options: o)
        t.onLog = { _ in }
        return t
    }

    func testModelWeightsInitialiseTheModel() throws {
        let a = temp("a"), b = temp("b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let first = try trainer(["SOLVER.MAX_EPOCH", "1"], out: a)
        _ = try first.run()
        let saved = try Checkpoint.load(first.checkpointPath).stateDict
        // Same architecture: every tensor starts from the checkpoint.
        let second = try trainer(["MODEL.WEIGHTS", first.checkpointPath, "SEED", "9"], out: b)
        XCTAssertEqual(second.model.stateDict().map { $0.1.scalars }, saved.map { $0.1.scalars })
        var lines: [String] = []
        second.onLog = { lines.append($0) }
        _ = try second.run()
        XCTAssertTrue(lines.first?.contains("MODEL.WEIGHTS") == true && lines.first?.contains("loaded") == true, "\(lines.first ?? "")")
        // Another number of identities: the classifier is skipped and said so, the rest loads.
        let wider = try trainer(["MODEL.WEIGHTS", first.checkpointPath, "MODEL.HEADS.NUM_CLASSES", "20"], out: b)
        let backbone = wider.model.stateDict().filter { $0.0.hasPrefix("backbone.") }
        XCTAssertEqual(backbone.map { $0.1.scalars }, saved.filter { $0.0.hasPrefix("backbone.") }.map { $0.1.scalars })
        XCTAssertTrue(wider.initialWeights?.contains("skipped for shape (heads.") == true, wider.initialWeights ?? "")
        // A checkpoint of another architecture shares nothing: a clear error naming the key.
        let teacherDir = temp("t")
        defer { try? FileManager.default.removeItem(atPath: teacherDir) }
        let t = try TrainerTests.makeTeacher(teacherDir)
        _ = t
        XCTAssertThrowsError(try trainer(["MODEL.WEIGHTS", "\(teacherDir)/model.safetensors", "MODEL.BACKBONE.DEPTH", "34"], out: b)) { e in
            XCTAssertTrue("\(e)".contains("MODEL.WEIGHTS shares no parameter"), "\(e)")
        }
    }

    func testCheckpointPeriodSpacesCheckpoints() throws {
        for (period, expected) in [(1, [1, 2, 3]), (2, [2, 3])] {
            let d = temp("ckpt")
            defer { try? FileManager.default.removeItem(atPath: d) }
            let t = try trainer(["SOLVER.MAX_EPOCH", "3", "SOLVER.CHECKPOINT_PERIOD", "\(period)"], out: d)
            // Each resume point (checkpoint.safetensors) is handed over once written.
            var seen: [Int] = []
            t.onCheckpoint = { seen.append($0.epoch) }
            _ = try t.run()
            XCTAssertEqual(seen, expected, "period \(period)")
            XCTAssertEqual(try Checkpoint.load(t.checkpointPath).metadata["epoch"], "3", "the last epoch is always saved")
        }
    }

    func testEveryTestDatasetIsEvaluatedAndRecorded() throws {
        // One root holding the synthetic set in Market-1501's usual top folder and a second
        // dataset, in the generic layout, beside it.
        let root = temp("root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.copyItem(atPath: TrainerTests.root, toPath: "\(root)/Market-1501-v15.09.15")
        let synth = try DatasetLayouts.load("market1501", root: root)
        for (split, recs) in [("train", synth.train), ("query", Array(synth.query.prefix(5))), ("gallery", Array(synth.gallery.prefix(20)))] {
            for (i, r) in recs.enumerated() {
                let dir = "\(root)/\(split)/\(r.pid + 1)"
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try fm.copyItem(atPath: r.path, toPath: "\(dir)/\(r.camid)_\(i).png")
            }
        }
        let out = temp("out")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let t = try trainer(["DATASETS.ROOT", root, "DATASETS.TESTS", "[synthetic, generic]", "SOLVER.MAX_EPOCH", "1"], out: out)
        XCTAssertEqual(t.data.testSets.map(\.name), ["synthetic", "generic"])
        XCTAssertEqual(t.data.testSets[1].dataset.query.count, 5)
        var keys = Set<String>()
        t.onMetric = { k, _, _, _ in keys.insert(k) }
        let r = try t.run()
        XCTAssertEqual(r.otherEvaluations.map(\.name), ["generic"])
        XCTAssertTrue(keys.isSuperset(of: ["eval_mAP", "eval_mAP@generic", "eval_rank1@generic"]), "\(keys)")
        XCTAssertNotEqual(r.evaluation?.mAP, r.otherEvaluations[0].result.mAP)
    }

    func testDecodingThreadsDoNotChangeBatches() throws {
        let d = temp("threads")
        defer { try? FileManager.default.removeItem(atPath: d) }
        let one = try TrainingData(config: try TrainerTests.config(["DATALOADER.NUM_WORKERS", "1"], out: d))
        let two = try TrainingData(config: try TrainerTests.config(["DATALOADER.NUM_WORKERS", "2"], out: d))
        XCTAssertEqual([one.trainLoader.threads, two.trainLoader.threads], [1, 2])
        let idx = one.sampler.batches(epoch: 0)[0]
        XCTAssertEqual(try one.trainLoader.batch(indices: idx, epoch: 1).images.scalars,
                       try two.trainLoader.batch(indices: idx, epoch: 1).images.scalars)
    }
}

final class StandaloneRecordTests: XCTestCase {
    /// `reidkd train` records its run in the store (no sweep; baseline without KD) with its
    /// metrics, summary and files, and writes every printed line to OUTPUT_DIR/log.txt.
    func testStandaloneTrainingIsRecordedAndLogged() throws {
        let out = NSTemporaryDirectory() + "reidkd-standalone-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let store = try ExperimentStore(path: "\(out)-store.sqlite")
        defer { try? FileManager.default.removeItem(atPath: "\(out)-store.sqlite") }
        let c = try TrainerTests.config(["SOLVER.MAX_EPOCH", "2", "TEST.EVAL_PERIOD", "1"], out: out)
        var printed: [String] = []
        let (result, _, id) = try StandaloneTraining.run(config: c, openStore: { store }, resume: false, maxIterations: nil) { printed.append($0) }
        let run = try store.run(try XCTUnwrap(id))
        XCTAssertNil(run.sweepID)
        XCTAssertEqual(run.role, .baseline)
        XCTAssertEqual(run.status, .finished)
        XCTAssertEqual(run.configHash, c.sha256)
        XCTAssertEqual(try store.summary(run: run.id)["mAP"]!, result.evaluation!.mAP * 100, accuracy: 1e-9)
        XCTAssertEqual(try store.metricSeries(run: run.id, key: "eval_mAP").count, 2)
        XCTAssertEqual(Set(try store.artifacts(run: run.id).map(\.kind)), ["checkpoint", "model", "eval", "ranklist", "log"])
        let log = try String(contentsOfFile: "\(out)/log.txt", encoding: .utf8)
        XCTAssertTrue(log.contains("epoch 2/2") && log.contains("recorded as run \(run.id)"), log)
        XCTAssertTrue(printed.contains { $0.hasPrefix("eval epoch 2") })
    }
}
