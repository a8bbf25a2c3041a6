// Poolings (FastReID's aggregation step): feature map (N, C, H, W) → feature vector (N, D).
// D = C for every pooling except `flatten` (C·H·W). avg+max is the *sum* of the two pools, as
// FastReID's AdaptiveAvgMaxPool.
import Tensor

public protocol Pooling: Layer {
    /// Output features for `channels` input channels and a `mapSize` = [h, w] feature map.
    func outFeatures(channels: Int, mapSize: [Int]) -> Int
}

extension Pooling {
    public func outFeatures(channels: Int, mapSize: [Int]) -> Int { channels }
}

/// Pooling registry: name → builder(channels, rng). One line per pooling.
public let poolingRegistry = Registry<(Int, inout RandomGenerator) -> any Pooling>(kind: "pooling", [
    ("avg", { _, _ in AvgPooling() }),
    ("max", { _, _ in MaxPooling() }),
    ("avgmax", { _, _ in AvgMaxPooling() }),
    ("gem", { _, _ in GeMPooling(learnable: true) }),
    ("gem_fixed", { _, _ in GeMPooling(learnable: false) }),
    ("attention", { c, rng in AttentionPooling(channels: c, rng: &rng) }),
    ("identity", { _, _ in IdentityPooling() }),
    ("flatten", { _, _ in FlattenPooling() }),
])

public final class AvgPooling: Module, Pooling {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { globalAvgPool2d(x) }
}

public final class MaxPooling: Module, Pooling {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { globalMaxPool2d(x) }
}

public final class AvgMaxPooling: Module, Pooling {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { globalAvgPool2d(x) + globalMaxPool2d(x) }
}

/// Passes (N, C) features through (backbones that already pool, e.g. a CLS token); a 4-D input
/// must have a 1×1 map.
public final class IdentityPooling: Module, Pooling {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor {
        if x.rank == 2 { return x }
        precondition(x.rank == 4 && x.shape[2] * x.shape[3] == 1,
                     "pooling 'identity' needs (N, C) features or a 1×1 map, got \(x.shape); use 'flatten' or 'avg'")
        return x.flattened(from: 1)
    }
}

/// Keeps every position: (N, C·H·W).
public final class FlattenPooling: Module, Pooling {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.flattened(from: 1) }
    public func outFeatures(channels: Int, mapSize: [Int]) -> Int { channels * mapSize.reduce(1, *) }
}

/// Generalised mean (Radenović et al.): f_c = (mean_{h,w} max(x, ε)^p)^{1/p}, ε = 1e-6, p init 3.
/// With `learnable`, p is a parameter (key `p`, shape [1]) clamped to [1, ∞) in the forward pass:
/// p = 1 is average pooling and p < 1 would be a soft *minimum*, which is not what the head wants.
public final class GeMPooling: Module, Pooling {
    public let p: Parameter
    public let eps: Float = 1e-6

    public init(p initial: Float = 3, learnable: Bool) {
        p = Parameter(Tensor([initial]), frozen: !learnable)
        super.init()
        register("p", p)
    }

    public func forward(_ x: Tensor) -> Tensor {
        let pc = p.clamp(min: 1)
        return globalAvgPool2d(x.clamp(min: eps).pow(pc)).pow(1 / pc)
    }
}

/// Attention pooling: a 1×1 conv (key `attention`, C → 1, with bias) scores each position, a
/// softmax over the H·W positions turns scores into weights, and the output is the weighted sum
/// of the feature vectors. Zero-initialised weights start as exact average pooling.
public final class AttentionPooling: Module, Pooling {
    public let attention: Conv2d

    public init(channels: Int, rng: inout RandomGenerator) {
        attention = Conv2d(channels, 1, kernel: 1, bias: true, rng: &rng)
        attention.weight.assign(Tensor.zeros(attention.weight.shape))
        super.init()
        register("attention", attention)
    }

    public func forward(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let s = x.count / (n * c)
        let weights = attention(x).reshaped([n, s]).softmax(axis: 1).reshaped([n, 1, s])
        return (x.reshaped([n, c, s]) * weights).sum(axes: [2])
    }
}
