// `reidkd train CONFIG [--opts KEY VALUE ...]`: trains one model (teacher or student) from a
// config, evaluating it every TEST.EVAL_PERIOD epochs and at the end, and records it in the
// experiment store. Thin: the work is in Distill (StandaloneTraining, Trainer).
import ArgumentParser
import Foundation
import Eval
import Store
import Distill

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one model from a config (checkpoints, evaluation files and log.txt under OUTPUT_DIR; recorded in the store; --resume continues).")

    @Argument(help: "Config YAML file.") var config: String
    @Flag(help: "Continue from OUTPUT_DIR/checkpoint.safetensors, the last resume point.") var resume = false
    @Option(help: "Stop after this many iterations (smoke runs).") var maxIters: Int?
    @Option(help: "The experiment store the run is recorded in (an SQLite file or a postgresql:// URL; default: $REIDKD_STORE, else results/reidkd.sqlite).") var store: String = StoreDefaults.path
    @Flag(help: "Do not record the run in the store.") var noStore = false
    @Option(parsing: .remaining, help: "KEY VALUE pairs overriding the file, e.g. --opts SOLVER.MAX_EPOCH 5")
    var opts: [String] = []

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let c = try RunConfig.load(file: config, overrides: opts)
        let (result, trainer, _) = try StandaloneTraining.run(config: c, openStore: { noStore ? nil : try ExperimentStore(path: store) },
                                                              resume: resume, maxIterations: maxIters) { print($0) }
        if let r = result.evaluation {
            print(EvalResult.table([(trainer.data.testSets[0].name, r)] + result.otherEvaluations.map { ($0.name, $0.result) }))
        }
        print("checkpoint: \(result.checkpoint)")
    }
}
