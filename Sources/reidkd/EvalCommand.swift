// `reidkd eval CHECKPOINT [--dataset NAME --root DIR] [--opts ...] [--json]`: evaluates a trained
// model on a dataset's query/gallery split. The architecture comes from the config stored in
// the checkpoint; --opts may change test settings (TEST.FLIP.ENABLED, TEST.METRIC, …).
import ArgumentParser
import Foundation
import Tensor
import Config
import NN
import Data
import Eval
import Distill

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a trained model checkpoint on a re-id dataset.")

    @Argument(help: "Model checkpoint (.safetensors written by reidkd train or sweep), or a folder written by reidkd import or export.")
    var checkpoint: String
    @Option(help: "Dataset layout name (market1501, dukemtmc, msmt17, veri776, generic, synthetic); default: the training dataset.")
    var dataset: String?
    @Option(help: "Dataset folder; default: the config's DATASETS.ROOT.") var root: String?
    @Flag(help: "Print the result as JSON.") var json = false
    @Option(parsing: .remaining, help: "KEY VALUE pairs overriding the stored config, e.g. --opts TEST.FLIP.ENABLED True")
    var opts: [String] = []

    func run() throws {
        var isDir: ObjCBool = false
        let checkpoint = FileManager.default.fileExists(atPath: self.checkpoint, isDirectory: &isDir) && isDir.boolValue
            ? "\(self.checkpoint)/model.safetensors" : self.checkpoint   // a reidkd import/export folder
        let (state, meta) = try Checkpoint.load(checkpoint)
        guard var resolved = try Checkpoint.config(from: meta, path: checkpoint, schema: RunConfig.schema) else {
            throw TrainError("\(checkpoint) carries no config in its metadata; it was not written by reidkd train/sweep")
        }
        var extra = opts
        if let d = dataset { extra += [DatasetKeys.shared.names.name, "[\(d)]"] }
        if let r = root { extra += [DatasetKeys.shared.root.name, r] }
        try ConfigLoader.apply(overrides: extra, to: &resolved)
        let c = resolved
        let data = try TrainingData(config: c)
        let classes = state.first { $0.0 == "heads.weight" }?.1.shape[0] ?? data.dataset.numTrainPids
        let model = try ReidModel(spec: ModelSpec(config: c, numClasses: classes, inputSize: c[\InputKeys.sizeTrain]), seed: 0)
        try Checkpoint.copy(state, into: model.stateDict(), path: checkpoint)
        let r = try ModelEvaluation.evaluate(model: model, data: data, config: c)
        let others = try ModelEvaluation.evaluateOthers(model: model, data: data, config: c)
        print(json ? r.json() : EvalResult.table([(data.testSets[0].name, r)] + others.map { ($0.name, $0.result) }))
    }
}
