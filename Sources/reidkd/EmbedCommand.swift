// `reidkd embed MODEL_DIR IMAGES... [--out features.npy] [--flip] [--normalize]`: embeddings
// from an exported (or imported) model folder — exactly what its model.onnx outputs for the same images,
// unless --flip / --normalize ask for flip averaging / L2 normalisation. Thin: module Export.
import ArgumentParser
import Foundation
import Eval
import Export

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Compute embeddings with a model exported by `reidkd export` or imported by `reidkd import`.")

    @Argument(help: "Folder written by `reidkd export` or `reidkd import` (model.safetensors + preprocess.json).") var modelDir: String
    @Argument(help: "Image files (PNG or JPEG).") var images: [String] = []
    @Option(help: "Write the (N, D) float32 embeddings to this .npy file; otherwise print their shape.") var out: String?
    @Flag(help: "Average with the embedding of the mirrored image (flip TTA, as preprocess.json's flip_tta).") var flip = false
    @Flag(help: "L2-normalise each embedding (for the cosine distance).") var normalize = false

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one image file after MODEL_DIR") }
    }

    func run() throws {
        let m = try ExportedModel(directory: modelDir)
        let e = try m.embed(files: images, flip: flip, normalize: normalize)
        if let out {
            try Npy.write(e, to: out)
            print("wrote \(out): \(e.shape[0]) × \(e.shape[1]) float32")
        } else {
            print("embeddings: \(e.shape[0]) × \(e.shape[1]) float32 (pass --out FILE.npy to save them)")
        }
    }
}
