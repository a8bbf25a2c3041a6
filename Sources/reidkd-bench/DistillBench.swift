// Teacher-output cache: training throughput of a student alone, with its teacher run online
// (KD kl), and with the teacher's outputs read from a warm cache (a second student of the same
// sweep and seed). Target: warm cache ≤ 1.15× the student-alone time per image. Setup: the
// synthetic dataset (60 ids, 64×32), student ResNet-18 layout width 0.25, teacher width 0.5
// (random weights: only speed is measured), batch 64, one epoch each; images/s exclude evaluation.
import Foundation
import Config
import Tensor
import NN
import Data
import Distill

enum DistillBench {
    static func run(markdown: Bool) {
        do { try measure(markdown: markdown) } catch { print("distill bench failed: \(error)") }
    }

    static func measure(markdown: Bool) throws {
        let dir = NSTemporaryDirectory() + "reidkd-distill-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = SynthConfig()
        s.ids = 120; s.height = 64; s.width = 32; s.distractors = 10; s.junk = 0
        _ = try SynthGenerator(s).write(to: "\(dir)/data", overwrite: true)
        func config(_ opts: [String]) throws -> ResolvedConfig {
            try RunConfig.schema.load(overrides: [
                "MODEL.BACKBONE.DEPTH", "18", "MODEL.BACKBONE.WIDTH", "0.25", "MODEL.LOSSES.NAME", "[CrossEntropyLoss, TripletLoss]",
                "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]", "SOLVER.MAX_EPOCH", "1", "SOLVER.IMS_PER_BATCH", "64",
                "DATALOADER.NUM_INSTANCE", "4", "SOLVER.FREEZE_ITERS", "0", "TEST.EVAL_PERIOD", "100",
                "DATASETS.NAMES", "[synthetic]", "DATASETS.ROOT", "\(dir)/data",
            ] + opts)
        }
        let base = try config([])
        let dataset = try TrainingData.loadDataset(base)
        let tc = try config(["MODEL.BACKBONE.WIDTH", "0.5"])
        let teacher = Teacher(model: try ReidModel(spec: ModelSpec(config: tc, numClasses: dataset.numTrainPids, inputSize: [64, 32]), seed: 5), config: tc)
        func epoch(_ name: String, _ opts: [String], teacher: Teacher?, cache: String?) throws -> (Double, Double?) {
            let c = try config(opts)
            var o = TrainerOptions(outputDir: "\(dir)/\(name)")
            o.teacherCacheRoot = cache
            let t = try Trainer(config: c, data: try TrainingData(config: c, dataset: dataset), teacher: teacher, options: o)
            t.onLog = { _ in }
            let r = try t.run()
            return (r.imagesPerSecond, r.teacherCacheHitRate)
        }
        _ = try epoch("warmup", [], teacher: nil, cache: nil)   // page cache, allocator, thread pool
        let alone = try epoch("alone", [], teacher: nil, cache: nil).0
        let online = try epoch("online", ["KD.METHOD", "kl"], teacher: teacher, cache: nil).0
        let cold = try epoch("cold", ["KD.METHOD", "kl"], teacher: teacher, cache: "\(dir)/cache")
        let warm = try epoch("warm", ["KD.METHOD", "kl"], teacher: teacher, cache: "\(dir)/cache")
        var t = Table(["student epoch (64×32, batch 64)", "images/s", "time vs alone", "cache hit rate", "target"])
        t.add(["student alone (no teacher)", fmt(alone, 0), "1.00×", "–", "–"])
        t.add(["KD kl, teacher online", fmt(online, 0), fmt(alone / online, 2) + "×", "–", "–"])
        t.add(["KD kl, cold cache (fills it)", fmt(cold.0, 0), fmt(alone / cold.0, 2) + "×", fmt(100 * (cold.1 ?? 0), 0) + "%", "–"])
        let ratio = alone / warm.0
        t.add(["KD kl, warm cache (next student)", fmt(warm.0, 0), fmt(ratio, 2) + "×", fmt(100 * (warm.1 ?? 0), 0) + "%",
               ratio <= 1.15 ? "≤1.15× ✓" : "≤1.15× ✗"])
        print(t.render(markdown: markdown))
    }
}
