// `reidkd train CONFIG [--opts KEY VALUE ...]`: trains one model (teacher or student) from a
// config, evaluating it every TEST.EVAL_PERIOD epochs and at the end. Thin: the work is in
// Distill.Trainer.
import ArgumentParser
import Foundation
import NN
import Distill

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one model from a config (checkpoints and log under OUTPUT_DIR; --resume continues).")

    @Argument(help: "Config YAML file.") var config: String
    @Flag(help: "Continue from OUTPUT_DIR/model.safetensors and its companion state.") var resume = false
    @Option(help: "Stop after this many iterations (smoke runs).") var maxIters: Int?
    @Option(parsing: .remaining, help: "KEY VALUE pairs overriding the file, e.g. --opts SOLVER.MAX_EPOCH 5")
    var opts: [String] = []

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let c = try ReidConfig.load(file: config, overrides: opts)
        let data = try TrainingData(config: c)
        print(data.dataset.statisticsTable)
        let kd = try c.kd()
        var teacher: Teacher?
        if kd.enabled {
            guard !kd.teacherConfig.isEmpty, !kd.teacherWeights.isEmpty else {
                throw TrainError("KD.METHOD \(kd.terms.joined(separator: "+")) needs KD.TEACHER_CONFIG and KD.TEACHER_WEIGHTS (or use `reidkd sweep`, which trains the teacher)")
            }
            let tc = try ReidConfig.load(file: kd.teacherConfig, overrides: [])
            teacher = try Teacher(config: tc, weights: kd.teacherWeights, numClasses: data.dataset.numTrainPids)
        }
        var options = TrainerOptions(outputDir: c.outputDir)
        options.resume = resume
        options.maxIterations = maxIters
        options.teacherCacheRoot = kd.cache ? "\(c.outputDir)/teacher-cache" : nil
        let trainer = try Trainer(config: c, data: data, teacher: teacher, options: options)
        let spec = trainer.model.spec
        let depth = spec.backbone == "resnet" ? "-\(spec.depth)" : ""   // depth means nothing to MobileNetV2
        print("model: \(spec.backbone)\(depth) ×\(spec.width), " +
              String(format: "%.2f M parameters", Double(trainer.model.parameters().reduce(0) { $0 + $1.count }) / 1e6))
        let result = try trainer.run()
        if let r = result.evaluation { print(r.table(dataset: c.datasets.tests.first ?? "test")) }
        print("checkpoint: \(result.checkpoint)")
    }
}
