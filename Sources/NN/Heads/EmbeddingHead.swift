// Embedding head (FastReID's EmbeddingHead): pooling → [1×1 reduction to embedding_dim, no bias]
// → [BNNeck: BatchNorm1d with frozen zero bias] → classifier. Keys: `pool_layer.*`,
// `bottleneck.0` (reduction, when on), then the BN, `weight` (classifier, K × D, init N(0, 0.01)).
// Training returns logits and both features; eval returns only the configured neck feature.
// Note: FastReID's eval always returns the post-neck feature; here `neck_feat` decides both the
// metric-loss feature and the eval feature, so train and test see the same embedding.
import Tensor

/// What the head produces. In eval only `features` is set (and `postNeck`/`preNeck`).
public struct HeadOutput {
    /// Margin-modified, scaled logits for the classification loss (training only).
    public var logits: Tensor?
    /// s·(raw logits or cosines): for accuracy and logit distillation (training only).
    public var predLogits: Tensor?
    /// Pooled feature, before reduction and BNNeck.
    public var preNeck: Tensor
    /// Feature after reduction and BNNeck (the classifier input).
    public var postNeck: Tensor
    /// The configured neck feature (`neck_feat`): metric losses use it, eval returns it.
    public var features: Tensor
}

public final class EmbeddingHead: Module {
    public let pool: any Pooling
    public let bottleneck: Sequential
    let reduction: Conv2d?
    /// Classifier weight (num_classes × feature dim).
    public let weight: Parameter
    public let kind: ClassifierKind
    public let scale: Float, margin: Float
    public let neckAfter: Bool
    public let inFeatures: Int, embeddingDim: Int

    public init(spec: ModelSpec, channels: Int, mapSize: [Int], rng: inout RandomGenerator) throws {
        try spec.validate()
        kind = try ClassifierKind.named(spec.classifier)
        pool = try poolingRegistry.lookup(spec.pooling)(channels, &rng)
        inFeatures = pool.outFeatures(channels: channels, mapSize: mapSize)
        var neck: [any Layer] = []
        if spec.embeddingDim > 0 {
            let r = Conv2d(inFeatures, spec.embeddingDim, kernel: 1, rng: &rng)
            reduction = r
            neck.append(r)
        } else {
            reduction = nil
        }
        embeddingDim = spec.embeddingDim > 0 ? spec.embeddingDim : inFeatures
        if spec.bnneck { neck.append(BatchNorm(embeddingDim, biasFrozen: true)) }
        bottleneck = Sequential(neck)
        weight = Parameter(Init.normal([spec.numClasses, embeddingDim], std: 0.01, rng: &rng))
        scale = Float(spec.scale); margin = Float(spec.margin)
        neckAfter = spec.neckFeat == "after"
        super.init()
        register("pool_layer", pool)
        register("bottleneck", bottleneck)
        register("weight", weight)
    }

    /// `targets` are needed in training (margins); ignored in eval.
    public func forward(_ x: Tensor, targets: [Int]? = nil) -> HeadOutput {
        let pooled = pool(x)
        var neck = pooled
        for l in bottleneck.layers {
            if let r = l as? Conv2d, r === reduction {
                // The 1×1 reduction on a pooled vector is a matrix product.
                neck = linear(neck, weight: r.weight.reshaped([embeddingDim, inFeatures]))
                MACCounter.record(neck.count * inFeatures, kind: "linear")
            } else {
                neck = l(neck)
            }
        }
        var out = HeadOutput(logits: nil, predLogits: nil, preNeck: pooled, postNeck: neck,
                             features: neckAfter ? neck : pooled)
        if isTraining {
            let raw = kind.raw(neck, weight)
            MACCounter.record(raw.count * embeddingDim, kind: "linear")
            out.predLogits = raw * scale
            if let t = targets {
                out.logits = kind.marginLogits(raw, targets: t, scale: scale, margin: margin)
            } else if kind == .linear {
                out.logits = out.predLogits
            }
        }
        return out
    }
}
