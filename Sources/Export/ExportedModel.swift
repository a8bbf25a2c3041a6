// Loading models for export and for `reidkd embed`: a checkpoint carries its resolved config in
// its metadata, so the architecture is rebuilt from the file alone and the weights are loaded
// strictly (every key present, equal shapes, nothing extra — so KD projectors or teacher
// weights can never ride along). An exported folder adds preprocess.json, and `embed` computes
// exactly what model.onnx computes: resize → normalise → eval forward, with flip averaging or
// L2 normalisation only when asked.
import Foundation
import Tensor
import Config
import NN
import Data
import Eval
import Distill

public enum ModelLoader {
    /// The model of checkpoint `path` (eval mode) with its resolved config and metadata.
    /// `fallbackConfig` (e.g. the store's config JSON of the run) is used when the file carries none.
    public static func load(_ path: String, fallbackConfig: String? = nil) throws -> (model: ReidModel, config: ResolvedConfig, metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ExportError("\(path): checkpoint file is missing (moved or deleted?); re-run the training or pass another --run")
        }
        let (state, meta) = try Checkpoint.load(path)
        var resolved = try Checkpoint.config(from: meta, path: path, schema: RunConfig.schema)
        if resolved == nil, let text = fallbackConfig {
            resolved = try RunConfig.schema.load(yaml: text, source: "\(path) (config recorded in the store)")
        }
        guard let resolved else {
            throw ExportError("\(path) carries no config in its metadata (key \"\(Checkpoint.configKey)\"), so its architecture is unknown; export a checkpoint written by reidkd train/sweep")
        }
        guard let classes = state.first(where: { $0.0 == "heads.weight" })?.1.shape.first else {
            throw ExportError("\(path) has no tensor \"heads.weight\" (the classifier), so it is not a ReidKD model checkpoint")
        }
        let model = try ReidModel(spec: ModelSpec(config: resolved, numClasses: classes, inputSize: resolved[\InputKeys.sizeTrain]), seed: 0)
        try Checkpoint.copy(state, into: model.stateDict(), path: path, strict: true)
        model.eval()
        return (model, resolved, meta)
    }
}

/// A folder written by `reidkd export`: model.safetensors + preprocess.json.
public final class ExportedModel {
    public static let weightsFile = "model.safetensors"
    public static let preprocessFile = "preprocess.json"
    public static let onnxFile = "model.onnx"
    public static let cardFile = "MODEL_CARD.md"

    public let model: ReidModel
    public let preprocess: Preprocess
    public let config: ResolvedConfig
    public let metadata: [String: String]

    public init(directory: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ExportError("\(directory): no such folder; pass the output folder of `reidkd export` (it holds \(ExportedModel.weightsFile) and \(ExportedModel.preprocessFile))")
        }
        preprocess = try Preprocess.load("\(directory)/\(ExportedModel.preprocessFile)")
        (model, config, metadata) = try ModelLoader.load("\(directory)/\(ExportedModel.weightsFile)")
    }

    /// Resize + normalise, as in evaluation (no random transform).
    public var transform: TransformPipeline {
        get throws {
            var a = AugmentConfig.test(height: preprocess.inputSize[0], width: preprocess.inputSize[1])
            a.mean = preprocess.mean.map(Float.init); a.std = preprocess.std.map(Float.init)
            return try TransformPipeline(a)
        }
    }

    /// Reads image files into one (N, 3, H, W) batch.
    public func images(_ paths: [String]) throws -> Tensor {
        let t = try transform
        let batch = Tensor.empty([paths.count, 3, preprocess.inputSize[0], preprocess.inputSize[1]])
        for (i, p) in paths.enumerated() {
            let img = try ImageIO.load(p)
            t.apply(t.resize(img), epoch: 0, sampleIndex: 0, into: batch.pointer + i * t.sampleCount)
        }
        return batch
    }

    /// Embeddings (N, D) of image files, in batches of `batchSize`.
    public func embed(files: [String], flip: Bool = false, normalize: Bool = false, batchSize: Int = 64) throws -> Tensor {
        let chunks = stride(from: 0, to: files.count, by: batchSize).map { Array(files[$0..<min($0 + batchSize, files.count)]) }
        var loadError: Error?
        let bf16 = BLAS.bf16Requested   // REIDKD_BF16=1: bf16 GEMMs, float32 accumulation
        let extractor = FeatureExtractor(flip: flip, normalize: normalize) { [model] x in BLAS.withBF16(bf16) { model.forward(x) } }
        let out = try extractor.extract(AnySequence { () -> AnyIterator<Tensor> in
            var i = 0
            return AnyIterator {
                guard i < chunks.count, loadError == nil else { return nil }
                defer { i += 1 }
                do { return try self.images(chunks[i]) } catch { loadError = error; return nil }
            }
        })
        if let e = loadError { throw e }
        return out
    }
}
