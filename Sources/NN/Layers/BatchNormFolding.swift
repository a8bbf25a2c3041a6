// Folding an eval-mode BatchNorm into the convolution (or linear layer) that feeds it. In eval
// mode BN is a fixed per-channel affine map, y = x·s + t with s = γ/√(var + ε), t = β − mean·s,
// so conv-then-BN equals one conv with weight s_o·W_o (every row o scaled) and bias
// s_o·b_o + t_o. Used by the ONNX export ("BN folded into conv") and reusable wherever a frozen
// model runs only forward (a frozen teacher). Pure functions: nothing is modified in place.
// Arithmetic is done in Double and rounded once, so folding adds at most one float rounding
// per element on top of what the unfolded eval forward computes.
import Tensor

/// An eval-mode BatchNorm as the per-channel affine map y = x·scale + shift.
public struct ChannelAffine: Equatable, Sendable {
    public var scale: [Float]
    public var shift: [Float]

    public init(scale: [Float], shift: [Float]) {
        precondition(scale.count == shift.count, "ChannelAffine: \(scale.count) scales but \(shift.count) shifts")
        self.scale = scale; self.shift = shift
    }

    /// The identity map on `channels` channels (scale 1, shift 0).
    public static func identity(_ channels: Int) -> ChannelAffine {
        ChannelAffine(scale: [Float](repeating: 1, count: channels), shift: [Float](repeating: 0, count: channels))
    }

    public var channels: Int { scale.count }
}

public enum BatchNormFolding {
    /// s = γ/√(var + ε), t = β − mean·s, per channel.
    public static func affine(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], eps: Float) -> ChannelAffine {
        let n = gamma.count
        precondition(beta.count == n && mean.count == n && variance.count == n,
                     "BatchNormFolding.affine: γ, β, mean and var need the same length (\(n), \(beta.count), \(mean.count), \(variance.count))")
        var s = [Float](repeating: 0, count: n), t = s
        for c in 0..<n {
            let sc = Double(gamma[c]) / (Double(variance[c]) + Double(eps)).squareRoot()
            s[c] = Float(sc)
            t[c] = Float(Double(beta[c]) - Double(mean[c]) * sc)
        }
        return ChannelAffine(scale: s, shift: t)
    }

    /// The eval-mode affine map of `bn` (running statistics, learned γ and β).
    public static func affine(_ bn: BatchNorm) -> ChannelAffine {
        affine(gamma: bn.weight.scalars, beta: bn.bias.scalars, mean: bn.runningMean.scalars,
               variance: bn.runningVar.scalars, eps: bn.eps)
    }

    /// Folds `affine` into a layer with weight (Cout, …) — conv (Cout, Cin/g, kH, kW) or linear
    /// (Cout, Cin) — and optional bias (Cout): returns new tensors (weight, bias).
    public static func fold(weight: Tensor, bias: Tensor?, affine a: ChannelAffine) -> (weight: Tensor, bias: Tensor) {
        let cout = weight.shape[0]
        precondition(a.channels == cout, "BatchNormFolding.fold: BN has \(a.channels) channels, the layer \(cout) outputs")
        precondition(bias == nil || bias!.count == cout, "BatchNormFolding.fold: bias has \(bias!.count) values for \(cout) outputs")
        let per = weight.count / max(cout, 1)
        let w = Tensor.empty(weight.shape), b = Tensor.empty([cout])
        let src = weight.pointer
        for o in 0..<cout {
            let s = Double(a.scale[o])
            for i in 0..<per { w.pointer[o * per + i] = Float(Double(src[o * per + i]) * s) }
            let b0 = bias.map { Double($0.pointer[o]) } ?? 0
            b.pointer[o] = Float(b0 * s + Double(a.shift[o]))
        }
        return (w, b)
    }

    /// Conv (or linear) followed by `bn`, folded: the single layer's (weight, bias).
    public static func fold(weight: Tensor, bias: Tensor?, batchNorm bn: BatchNorm) -> (weight: Tensor, bias: Tensor) {
        fold(weight: weight, bias: bias, affine: affine(bn))
    }

    /// `conv` followed by `bn`, folded.
    public static func fold(_ conv: Conv2d, _ bn: BatchNorm) -> (weight: Tensor, bias: Tensor) {
        fold(weight: conv.weight, bias: conv.bias, batchNorm: bn)
    }
}
