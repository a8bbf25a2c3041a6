// The folder `reidkd import` writes: model.safetensors (weights + resolved config), preprocess.json
// (what to do to an image before the network, as an export's) and IMPORT.md (the mapped, ignored
// and missing keys). It is an exported model's folder without model.onnx, so `reidkd embed` and
// `reidkd eval` read it as they read an export, and a sweep takes it as a teacher. Written
// atomically; the checkpoint is reloaded strictly and its output compared before it is kept.
import Foundation
import Tensor
import Config
import NN
import Data
import Interop
import Distill

public enum ImportFolder {
    public static let reportFile = "IMPORT.md"

    /// Writes `imported` to `directory`; returns the files written.
    @discardableResult
    public static func write(_ imported: ImportedCheckpoint, to directory: String) throws -> [String] {
        let folder = try AtomicFolder(target: directory, what: "import")
        do {
            let model = try imported.model()
            try imported.save(to: folder.path(ExportedModel.weightsFile))
            try Preprocess(config: imported.config, model: model).json().write(to: URL(fileURLWithPath: folder.path(ExportedModel.preprocessFile)))
            try imported.report.markdown(title: "Imported model").write(toFile: folder.path(reportFile), atomically: true, encoding: .utf8)
            // The written files give the same embeddings as the model just built.
            let reloaded = try ModelLoader.load(folder.path(ExportedModel.weightsFile)).model
            let size = imported.config[\InputKeys.sizeTest]
            var rng = RandomGenerator(seed: 18)
            let x = Tensor.randn([2, 3, size[0], size[1]], rng: &rng)
            let a = withNoGrad { model(x) }.scalars, b = withNoGrad { reloaded(x) }.scalars
            guard a == b else { throw ExportError("\(directory): the written checkpoint does not reproduce the imported model's output") }
        } catch {
            folder.discard()
            throw error
        }
        try folder.commit()
        return [ExportedModel.weightsFile, ExportedModel.preprocessFile, reportFile]
    }
}
