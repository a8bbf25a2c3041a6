// ModelSpec: the plain, Codable description of a re-id model (backbone + head). Every default of
// the model lives here; the YAML config maps MODEL.* keys onto these fields. Decoding accepts
// any subset of keys (missing ones keep their defaults) and rejects unknown keys with a
// suggestion. Names (backbone, pooling, classifier, neck_feat) are checked when the model is built.
import Foundation

public struct ModelSpec: Codable, Equatable, Sendable {
    /// Backbone family: "resnet" or "mobilenetv2".
    public var backbone = "resnet"
    /// ResNet depth: 18, 34, 50, 101 (ignored by mobilenetv2).
    public var depth = 50
    /// Channel multiplier (0.5 → ResNet widths 32-64-128-256).
    public var width = 1.0
    /// Stride of the last stage: 1 (re-id default, 2× larger final map) or 2.
    public var lastStride = 1
    /// IBN-a in the blocks of layer1–3 (ResNet).
    public var ibn = false
    /// Squeeze-excitation in every block (ResNet).
    public var se = false
    /// The ResNet stem's max pool: "torchvision" (3×3/2, padding 1, floor mode; ours) or
    /// "fastreid" (3×3/2, padding 0, ceil mode: FastReID's ResNet, recorded by `reidkd import`).
    public var stemPool = "torchvision"
    /// Zero-initialise the scale (γ) of the last BN of every residual branch (ResNet `bn2`/`bn3`,
    /// MobileNetV2's projection BN in blocks with a shortcut), so each residual block starts as
    /// the identity (Goyal et al. 2017; torchvision's `zero_init_residual`). Off by default, as in
    /// torchvision and FastReID; see docs/MODELS.md for when it helps from scratch.
    public var zeroInitResidual = false
    /// Pooling: avg, max, avgmax, gem, gem_fixed, attention, identity, flatten.
    public var pooling = "avg"
    /// Output size of the 1×1 reduction before the BNNeck; 0 = no reduction.
    public var embeddingDim = 0
    /// BatchNorm1d neck with frozen zero bias.
    public var bnneck = true
    /// Feature used by metric losses in training and returned in eval: "before" (pooled) or
    /// "after" (post-BNNeck).
    public var neckFeat = "before"
    /// Classifier: linear, arcface, cosface, circle.
    public var classifier = "linear"
    /// Logit scale s and margin m of the classifier (linear uses s only).
    public var scale = 1.0
    public var margin = 0.0
    /// Identities in the training set; must be > 0 to build (the trainer fills it from the data).
    public var numClasses = 0
    /// Network input [height, width] (used by `flatten` pooling and for cost reports).
    public var inputSize = [256, 128]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case backbone, depth, width, lastStride = "last_stride", ibn, se, stemPool = "stem_pool", zeroInitResidual = "zero_init_residual", pooling
        case embeddingDim = "embedding_dim", bnneck, neckFeat = "neck_feat", classifier, scale, margin
        case numClasses = "num_classes", inputSize = "input_size"
    }

    public init(from decoder: Decoder) throws {
        let known = CodingKeys.allCases.map(\.rawValue)
        for k in try decoder.container(keyedBy: ModelSpecAnyKey.self).allKeys where !known.contains(k.stringValue) {
            throw NNError("unknown model key '\(k.stringValue)'" + didYouMean(k.stringValue, known) + "; valid: \(known.joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelSpec()
        backbone = try c.decodeIfPresent(String.self, forKey: .backbone) ?? d.backbone
        depth = try c.decodeIfPresent(Int.self, forKey: .depth) ?? d.depth
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? d.width
        lastStride = try c.decodeIfPresent(Int.self, forKey: .lastStride) ?? d.lastStride
        ibn = try c.decodeIfPresent(Bool.self, forKey: .ibn) ?? d.ibn
        se = try c.decodeIfPresent(Bool.self, forKey: .se) ?? d.se
        stemPool = try c.decodeIfPresent(String.self, forKey: .stemPool) ?? d.stemPool
        zeroInitResidual = try c.decodeIfPresent(Bool.self, forKey: .zeroInitResidual) ?? d.zeroInitResidual
        pooling = try c.decodeIfPresent(String.self, forKey: .pooling) ?? d.pooling
        embeddingDim = try c.decodeIfPresent(Int.self, forKey: .embeddingDim) ?? d.embeddingDim
        bnneck = try c.decodeIfPresent(Bool.self, forKey: .bnneck) ?? d.bnneck
        neckFeat = try c.decodeIfPresent(String.self, forKey: .neckFeat) ?? d.neckFeat
        classifier = try c.decodeIfPresent(String.self, forKey: .classifier) ?? d.classifier
        scale = try c.decodeIfPresent(Double.self, forKey: .scale) ?? d.scale
        margin = try c.decodeIfPresent(Double.self, forKey: .margin) ?? d.margin
        numClasses = try c.decodeIfPresent(Int.self, forKey: .numClasses) ?? d.numClasses
        inputSize = try c.decodeIfPresent([Int].self, forKey: .inputSize) ?? d.inputSize
    }

    /// The reference student of the benchmarks: ResNet-18 layout at width 0.5 (32-64-128-256),
    /// last stride 1, GAP, BNNeck, linear classifier, 751 classes (Market-1501).
    public static var referenceStudent: ModelSpec {
        var s = ModelSpec()
        s.depth = 18; s.width = 0.5; s.numClasses = 751; s.inputSize = [128, 64]
        return s
    }

    /// Range and name checks that do not need to build anything.
    public func validate() throws {
        guard numClasses > 0 else {
            throw NNError("model num_classes is \(numClasses); set MODEL.HEADS.NUM_CLASSES to the number of training identities")
        }
        guard embeddingDim >= 0 else { throw NNError("model embedding_dim must be ≥ 0 (0 = no reduction), got \(embeddingDim)") }
        guard ["before", "after"].contains(neckFeat) else {
            throw NNError("model neck_feat '\(neckFeat)' is not valid" + didYouMean(neckFeat, ["before", "after"]) + "; use before or after")
        }
        guard scale > 0 else { throw NNError("model scale must be > 0, got \(scale)") }
        guard margin >= 0 && margin < 1 else { throw NNError("model margin must be in [0, 1), got \(margin)") }
        guard inputSize.count == 2, inputSize.allSatisfy({ $0 > 0 }) else {
            throw NNError("model input_size must be [height, width] with positive values, got \(inputSize)")
        }
    }
}

/// Any string key, to list the keys a decoder actually holds (unknown-key checks).
struct ModelSpecAnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
