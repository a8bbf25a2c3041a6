// Classifier layers of the embedding head (FastReID's any_softmax), turning the post-neck feature
// into class logits with scale s and margin m. `linear` uses raw logits f·Wᵀ; the others use
// cosines cos θ = norm(f)·norm(W)ᵀ. Margins apply only in training (they need the labels):
//   linear:  s·logit                           cosface: s·(cos θ_j − m·[j=y])
//   arcface: s·cos(θ_j + m·[j=y])              circle:  target s·α_p(cos − (1−m)), others s·α_n(cos − m)
// with α_p = [1 + m − cos]₊ and α_n = [cos + m]₊ treated as constants (detached), as in FastReID.
// `predLogits` = s·(raw logit or cosine) is what accuracy and logit distillation read.
import Foundation
import Tensor

public enum ClassifierKind: String, CaseIterable, Sendable {
    case linear, arcface, cosface, circle

    /// Classifier registry: names are the enum's raw values.
    public static func named(_ name: String) throws -> ClassifierKind {
        if let k = ClassifierKind(rawValue: name.lowercased()) { return k }
        let names = allCases.map(\.rawValue)
        throw NNError("unknown classifier '\(name)'" + didYouMean(name, names) + "; valid: \(names.joined(separator: ", "))")
    }

    /// Logits (or cosines) before scale and margin.
    func raw(_ f: Tensor, _ w: Tensor) -> Tensor {
        self == .linear ? linearLogits(f, w) : linearLogits(f.l2Normalized(axis: 1), w.l2Normalized(axis: 1))
    }

    /// Margin-modified, scaled logits for the loss.
    func marginLogits(_ raw: Tensor, targets: [Int], scale s: Float, margin m: Float) -> Tensor {
        let (n, k) = (raw.shape[0], raw.shape[1])
        precondition(targets.count == n, "classifier: \(targets.count) labels for a batch of \(n)")
        for t in targets { precondition(t >= 0 && t < k, "classifier: label \(t) outside 0..<\(k) classes; raise num_classes") }
        switch self {
        case .linear:
            return raw * s
        case .cosface:
            let shift = Tensor.zeros([n, k])
            for (i, t) in targets.enumerated() { shift.pointer[i * k + t] = m }
            return (raw - shift) * s
        case .arcface:
            let hot = oneHot(targets, k)
            // cos(θ + m) = cos θ·cos m − sin θ·sin m; sin θ from a clamped 1 − cos² (its
            // gradient is unbounded at |cos| = 1).
            let sine = (1 - raw * raw).clamp(min: 1e-6).sqrt()
            let phi = raw * Float(Foundation.cos(Double(m))) - sine * Float(Foundation.sin(Double(m)))
            return (raw + hot * (phi - raw)) * s
        case .circle:
            let alpha = Tensor.empty([n, k]), delta = Tensor.empty([n, k])
            let c = raw.pointer, a = alpha.pointer, d = delta.pointer
            for i in 0..<n {
                for j in 0..<k {
                    let idx = i * k + j
                    if j == targets[i] { a[idx] = Swift.max(1 + m - c[idx], 0); d[idx] = 1 - m }
                    else { a[idx] = Swift.max(c[idx] + m, 0); d[idx] = m }
                }
            }
            return alpha * (raw - delta) * s
        }
    }
}

/// (N, K) with 1 at each row's label.
func oneHot(_ targets: [Int], _ k: Int) -> Tensor {
    let t = Tensor.zeros([targets.count, k])
    for (i, y) in targets.enumerated() { t.pointer[i * k + y] = 1 }
    return t
}

/// The Tensor module's `linear`, reachable where the enum case `.linear` shadows it.
@inline(__always) func linearLogits(_ x: Tensor, _ w: Tensor) -> Tensor { linear(x, weight: w) }
