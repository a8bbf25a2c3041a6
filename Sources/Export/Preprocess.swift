// preprocess.json: everything a consumer of model.onnx / model.safetensors must do to an image
// before the network, and how to compare the embeddings it returns — read from the run's
// resolved config (INPUT.SIZE_TEST, MODEL.PIXEL_MEAN/STD, TEST.FLIP, TEST.METRIC, TEST.RERANK).
// Mean and std are in 0–1 units (FastReID's config holds them in 0–255 units).
import Foundation
import Support
import Config
import NN
import Data
import Eval

public struct Preprocess: Codable, Equatable, Sendable {
    public var format = "reidkd-preprocess"
    public var formatVersion = 1
    /// Network input [height, width].
    public var inputSize: [Int]
    public var inputName = "images"
    public var layout = "NCHW"
    public var dtype = "float32"
    public var channelOrder = "RGB"
    /// How the image reaches H×W (the same resize as evaluation, Sources/Data/Resize.swift).
    public var resize = "bilinear, half-pixel centres (align_corners=False), no antialiasing, rounded to uint8"
    /// x = (pixel / 255 − mean) / std per channel, pixel in 0–255.
    public var mean: [Double]
    public var std: [Double]
    /// Evaluation averaged the embedding of the image and of its horizontal mirror.
    public var flipTTA: Bool
    /// Query–gallery distance used in evaluation: cosine or euclidean.
    public var distanceMetric: String
    /// Whether to L2-normalise embeddings before comparing (true for cosine).
    public var l2Normalize: Bool
    /// Evaluation used k-reciprocal re-ranking (a gallery-level post-process, not in the model).
    public var rerank: Bool
    public var outputName = "embedding"
    public var embeddingDim: Int
    /// Which head feature the embedding is: "before" (pooled) or "after" the BNNeck.
    public var neckFeat: String

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", inputSize = "input_size", inputName = "input_name", layout, dtype
        case channelOrder = "channel_order", resize, mean, std, flipTTA = "flip_tta", distanceMetric = "distance_metric"
        case l2Normalize = "l2_normalize", rerank, outputName = "output_name", embeddingDim = "embedding_dim", neckFeat = "neck_feat"
    }

    public init(config c: ResolvedConfig, model: ReidModel) {
        inputSize = c[\InputKeys.sizeTest]
        mean = c[\ModelKeys.pixelMean].map { $0 / 255 }
        std = c[\ModelKeys.pixelStd].map { $0 / 255 }
        flipTTA = c[\TestKeys.flip]
        distanceMetric = c[\TestKeys.metric]
        l2Normalize = distanceMetric == "cosine"
        rerank = c[\TestKeys.rerank]
        embeddingDim = model.heads.neckAfter ? model.heads.embeddingDim : model.heads.inFeatures
        neckFeat = model.spec.neckFeat
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    /// Largest network input side accepted from a preprocess.json (re-id nets take 256×128;
    /// a bigger claim is a damaged file, and `embed` would allocate N×3×H×W floats for it).
    public static let maxInputSide = 4096

    /// Reads and checks a preprocess.json; an error names the field that is wrong.
    public static func load(_ path: String) throws -> Preprocess {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw ExportError("\(path): cannot read preprocess.json; point at a folder written by `reidkd export`")
        }
        let fix = "re-export the model with `reidkd export`"
        let p = try JSONProblem.decode(Preprocess.self, from: d, path: path, fix: fix)
        func bad(_ field: String, _ why: String) -> ExportError { ExportError("\(path): field '\(field)' \(why); \(fix)") }
        guard p.format == "reidkd-preprocess" else { throw bad("format", "is '\(p.format)', expected 'reidkd-preprocess'") }
        guard p.inputSize.count == 2, p.inputSize.allSatisfy({ $0 > 0 && $0 <= maxInputSide }) else {
            throw bad("input_size", "is \(p.inputSize), expected [height, width], each 1…\(maxInputSide)")
        }
        guard p.mean.count == 3, p.mean.allSatisfy(\.isFinite) else { throw bad("mean", "is \(p.mean), expected 3 finite numbers") }
        guard p.std.count == 3, p.std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw bad("std", "is \(p.std), expected 3 finite numbers > 0")
        }
        return p
    }
}
