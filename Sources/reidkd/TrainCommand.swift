// `reidkd train CONFIG [--opts KEY VALUE ...]`: trains one model (teacher or student) from a
// config, evaluating it every TEST.EVAL_PERIOD epochs and at the end. Thin: the work is in
// Distill (StandaloneTraining, Trainer).
import ArgumentParser
import Foundation
import Eval
import Distill

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one model from a config (checkpoints and evaluation files under OUTPUT_DIR; --resume continues).")

    @Argument(help: "Config YAML file.") var config: String
    @Flag(help: "Continue from OUTPUT_DIR/checkpoint.safetensors, the last resume point.") var resume = false
    @Option(help: "Stop after this many iterations (smoke runs).") var maxIters: Int?
    @Option(parsing: .remaining, help: "KEY VALUE pairs overriding the file, e.g. --opts SOLVER.MAX_EPOCH 5")
    var opts: [String] = []

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let c = try RunConfig.load(file: config, overrides: opts)
        let trainer = try StandaloneTraining.trainer(config: c, resume: resume, maxIterations: maxIters) { print($0) }
        let result = try trainer.run()
        if let r = result.evaluation {
            print(EvalResult.table([(trainer.data.testSets[0].name, r)] + result.otherEvaluations.map { ($0.name, $0.result) }))
        }
        print("checkpoint: \(result.checkpoint)")
    }
}
