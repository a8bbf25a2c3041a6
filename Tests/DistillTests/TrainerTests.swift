// The trainer end to end on a tiny synthetic dataset: exact resume, a frozen teacher that stays
// bit-identical, teacher-cache hits that give the same losses as misses, and a diverging run
// stopped with a clear error.
import XCTest
import Foundation
import Tensor
import Config
import NN
import Data
@testable import Distill

final class TrainerTests: XCTestCase {
    static let root: String = {
        let dir = NSTemporaryDirectory() + "reidkd-trainer-tests-\(getpid())"
        var s = SynthConfig()
        s.ids = 16; s.imagesPerId = 4; s.height = 32; s.width = 16; s.distractors = 4; s.junk = 2; s.seed = 3
        _ = try! SynthGenerator(s).write(to: dir, overwrite: true)
        return dir
    }()

    func config(_ extra: [String] = [], out: String) throws -> ResolvedConfig { try Self.config(extra, out: out) }

    /// A tiny ResNet-18 ×0.125 run on the tiny synthetic set, 2 epochs of 8 batches of 8.
    static func config(_ extra: [String] = [], out: String) throws -> ResolvedConfig {
        let yaml = """
        MODEL:
          BACKBONE: {NAME: resnet, DEPTH: 18, WIDTH: 0.125, LAST_STRIDE: 1}
          LOSSES: {NAME: [CrossEntropyLoss, TripletLoss]}
        INPUT: {SIZE_TRAIN: [32, 16], SIZE_TEST: [32, 16]}
        DATALOADER: {NUM_INSTANCE: 2}
        SOLVER: {MAX_EPOCH: 2, IMS_PER_BATCH: 8, BASE_LR: 0.001, WARMUP_ITERS: 2, FREEZE_ITERS: 0}
        TEST: {EVAL_PERIOD: 100, IMS_PER_BATCH: 32}
        DATASETS: {NAMES: [synthetic], TESTS: [synthetic], ROOT: \(TrainerTests.root)}
        OUTPUT_DIR: \(out)
        """
        var c = try RunConfig.schema.load(yaml: yaml)
        try ConfigLoader.apply(overrides: extra, to: &c)
        return c
    }

    /// A tiny student config for sweep tests, written to dir/base.yaml.
    static func writeBaseConfig(_ dir: String, maxEpoch: Int, evalPeriod: Int) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        MODEL:
          BACKBONE: {NAME: resnet, DEPTH: 18, WIDTH: 0.125, LAST_STRIDE: 1}
          LOSSES: {NAME: [CrossEntropyLoss, TripletLoss]}
        INPUT: {SIZE_TRAIN: [32, 16], SIZE_TEST: [32, 16]}
        DATALOADER: {NUM_INSTANCE: 2}
        SOLVER: {MAX_EPOCH: \(maxEpoch), IMS_PER_BATCH: 8, BASE_LR: 0.001, WARMUP_ITERS: 2, FREEZE_ITERS: 0}
        TEST: {EVAL_PERIOD: \(evalPeriod), IMS_PER_BATCH: 32}
        DATASETS: {NAMES: [synthetic], TESTS: [synthetic], ROOT: \(root)}
        """.write(toFile: "\(dir)/base.yaml", atomically: true, encoding: .utf8)
    }

    func tempDir(_ name: String) -> String { NSTemporaryDirectory() + "reidkd-\(name)-\(UUID().uuidString)" }

    func weights(_ m: ReidModel) -> [Float] { m.stateDict().flatMap { $0.1.scalars } }

    func quiet(_ t: Trainer) -> Trainer { t.onLog = { _ in }; return t }

    func testResumeContinuesExactly() throws {
        let a = tempDir("straight"), b = tempDir("resumed")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let straight = quiet(try Trainer(config: try config(out: a), data: try TrainingData(config: try config(out: a)), teacher: nil, options: TrainerOptions(outputDir: a)))
        _ = try straight.run()
        // One epoch, then a new process-like trainer resumes for the second.
        let first = quiet(try Trainer(config: try config(["SOLVER.MAX_EPOCH", "1"], out: b), data: try TrainingData(config: try config(out: b)),
                                      teacher: nil, options: TrainerOptions(outputDir: b)))
        _ = try first.run()
        var opts = TrainerOptions(outputDir: b); opts.resume = true
        let second = quiet(try Trainer(config: try config(out: b), data: try TrainingData(config: try config(out: b)), teacher: nil, options: opts))
        let r = try second.run()
        XCTAssertEqual(r.epochs, 2)
        XCTAssertEqual(weights(second.model), weights(straight.model), "resumed run must match the uninterrupted one bit for bit")
    }

    /// Every epoch's metric rows reach `onCheckpoint` with the resume file that holds them, and
    /// a commit lost to a kill (the file renamed, the consumer not told) is handed over again
    /// when the run resumes: what a consumer records is then exactly the uninterrupted run's rows.
    func testCheckpointCommitsCarryEveryRowOnceAcrossAResume() throws {
        let a = tempDir("rows-straight"), b = tempDir("rows-killed")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let epochs = ["SOLVER.MAX_EPOCH", "3", "TEST.EVAL_PERIOD", "2"]
        func trainer(_ out: String, resume: Bool) throws -> Trainer {
            var o = TrainerOptions(outputDir: out); o.resume = resume; o.logPeriod = 3
            return quiet(try Trainer(config: try config(epochs, out: out), data: try TrainingData(config: try config(epochs, out: out)), teacher: nil, options: o))
        }
        struct Lost: Error {}
        func rows(_ commits: [EpochCheckpoint]) -> [String: Double] {
            var out: [String: Double] = [:]
            for c in commits { for m in c.metrics { out["\(m.key)@\(m.step)"] = ["epoch_seconds", "images_per_second"].contains(m.key) ? 0 : m.value } }
            return out
        }
        let straight = try trainer(a, resume: false)
        var straightCommits: [EpochCheckpoint] = []
        straight.onCheckpoint = { straightCommits.append($0) }
        _ = try straight.run()
        XCTAssertEqual(straightCommits.map(\.epoch), [1, 2, 3])
        XCTAssertTrue(straightCommits[1].metrics.contains { $0.key == "eval_mAP" }, "an evaluation is committed with its epoch's checkpoint")
        XCTAssertFalse(straightCommits[0].metrics.contains { $0.key == "eval_mAP" })
        // Killed after epoch 2's file was renamed, before its rows were recorded.
        let first = try trainer(b, resume: false)
        var committed: [EpochCheckpoint] = []
        first.onCheckpoint = { c in if c.epoch == 2 { throw Lost() }; committed.append(c) }
        XCTAssertThrowsError(try first.run())
        let second = try trainer(b, resume: true)
        var resumed: [EpochCheckpoint] = []
        second.onCheckpoint = { resumed.append($0) }
        _ = try second.run()
        XCTAssertEqual(resumed.map(\.epoch), [2, 3])
        XCTAssertEqual(resumed.map(\.resumed), [true, false])
        XCTAssertEqual(Set(resumed[0].metrics.map(\.key)), Set(straightCommits[1].metrics.map(\.key)), "the lost epoch's rows come back from the file")
        XCTAssertEqual(rows(committed + resumed), rows(straightCommits), "every row once, values bit-identical (timings aside)")
        XCTAssertEqual(weights(second.model), weights(straight.model))
        XCTAssertEqual(try Checkpoint.load("\(b)/model.safetensors").stateDict.flatMap { $0.1.scalars }, weights(straight.model))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: b).filter { $0.hasPrefix(".") }, [], "no temporary left")
    }

    func makeTeacher(_ dir: String) throws -> Teacher { try Self.makeTeacher(dir) }

    /// A ResNet-18 ×0.25 teacher trained for one epoch (or `iterations`), loaded from its checkpoint.
    static func makeTeacher(_ dir: String, iterations: Int? = nil) throws -> Teacher {
        let c = try config(["MODEL.BACKBONE.WIDTH", "0.25", "SOLVER.MAX_EPOCH", "1"], out: dir)
        var o = TrainerOptions(outputDir: dir); o.maxIterations = iterations
        let t = try Trainer(config: c, data: try TrainingData(config: c), teacher: nil, options: o)
        t.onLog = { _ in }
        _ = try t.run()
        return try Teacher(config: c, weights: t.checkpointPath, numClasses: t.data.dataset.numTrainPids)
    }

    func testTeacherStaysFrozenAndCacheMatchesOnline() throws {
        let tdir = tempDir("teacher"), s1 = tempDir("s1"), s2 = tempDir("s2"), cacheRoot = tempDir("cache")
        defer { for d in [tdir, s1, s2, cacheRoot] { try? FileManager.default.removeItem(atPath: d) } }
        let teacher = try makeTeacher(tdir)
        let before = weights(teacher.model)
        let kd = ["KD.METHOD", "kl+mse+rkd", "SOLVER.MAX_EPOCH", "1"]
        // Online teacher (no cache) …
        var lossesOnline: [String: [Double]] = [:]
        let online = quiet(try Trainer(config: try config(kd, out: s1), data: try TrainingData(config: try config(out: s1)), teacher: teacher,
                                       options: { var o = TrainerOptions(outputDir: s1); o.logPeriod = 1; return o }()))
        online.onMetric = { k, _, _, v in lossesOnline[k, default: []].append(v) }
        _ = try online.run()
        XCTAssertEqual(weights(teacher.model), before, "the teacher's weights must be bit-identical after distillation")
        XCTAssertFalse(teacher.model.isTraining)
        XCTAssertNotNil(lossesOnline["loss_kd"]); XCTAssertNotNil(lossesOnline["loss_rkd_a"])
        // … equals a cold cache (misses, filled) and a warm cache (hits).
        for pass in 0..<2 {
            var o = TrainerOptions(outputDir: s2 + "-\(pass)"); o.logPeriod = 1; o.teacherCacheRoot = cacheRoot
            var losses: [String: [Double]] = [:]
            let t = quiet(try Trainer(config: try config(kd, out: o.outputDir), data: try TrainingData(config: try config(out: o.outputDir)),
                                      teacher: teacher, options: o))
            t.onMetric = { k, _, _, v in losses[k, default: []].append(v) }
            let r = try t.run()
            XCTAssertEqual(r.teacherCacheHitRate!, pass == 0 ? 0 : 1, accuracy: 1e-9)
            XCTAssertEqual(losses["loss_kd"], lossesOnline["loss_kd"], "pass \(pass)")
            XCTAssertEqual(losses["loss_total"], lossesOnline["loss_total"], "pass \(pass)")
            try? FileManager.default.removeItem(atPath: o.outputDir)
        }
    }

    func testDivergenceIsReported() throws {
        let d = tempDir("diverge")
        defer { try? FileManager.default.removeItem(atPath: d) }
        // A loss weight beyond Float range makes the total loss infinite on the first step.
        let c = try config(["MODEL.LOSSES.CE.SCALE", "1e300"], out: d)
        let t = quiet(try Trainer(config: c, data: try TrainingData(config: c), teacher: nil, options: TrainerOptions(outputDir: d)))
        XCTAssertThrowsError(try t.run()) { e in XCTAssertTrue("\(e)".contains("diverged"), "\(e)") }
    }

    func testKDWithoutTeacherIsAClearError() throws {
        let d = tempDir("noteacher")
        let c = try config(["KD.METHOD", "kl"], out: d)
        XCTAssertThrowsError(try Trainer(config: c, data: try TrainingData(config: c), teacher: nil, options: TrainerOptions(outputDir: d))) { e in
            XCTAssertTrue("\(e)".contains("no teacher"), "\(e)")
        }
        XCTAssertThrowsError(try KDConfig(config: try config(["KD.METHOD", "kl+rdk"], out: d))) { e in XCTAssertTrue("\(e)".contains("rkd"), "\(e)") }
    }
}
