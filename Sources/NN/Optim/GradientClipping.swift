// Gradient clipping over a set of parameters. FastReID clips each parameter's gradient on its
// own; we clip by the global norm over all parameters (torch.nn.utils.clip_grad_norm_), which
// keeps the update direction, or clamp each element (clip_grad_value_).
import Foundation
import Tensor

public enum GradientClipping {
    /// A configured clipping step (SOLVER.CLIP_GRADIENTS).
    public enum Rule: Equatable, Sendable {
        case norm(Float, normType: Float)
        case value(Float)

        /// Clips the gradients of `params`; returns the norm before clipping for `.norm`.
        @discardableResult
        public func apply(_ params: [Parameter]) -> Float? {
            switch self {
            case .norm(let maxNorm, let p): return GradientClipping.clipGlobalNorm(params, maxNorm: maxNorm, normType: p)
            case .value(let v): GradientClipping.clipValue(params, value: v); return nil
            }
        }
    }

    /// Scales all gradients by `maxNorm / (total + 1e-6)` when their joint p-norm `total`
    /// exceeds `maxNorm`; `normType` is p ≥ 1 or `.infinity`. Returns the norm before clipping.
    @discardableResult
    public static func clipGlobalNorm(_ params: [Parameter], maxNorm: Float, normType: Float = 2) -> Float {
        precondition(maxNorm > 0 && (normType >= 1), "clipGlobalNorm: needs maxNorm > 0 and normType ≥ 1")
        let grads = params.compactMap { $0.isFrozen ? nil : $0.grad }
        var total = 0.0
        let p = Double(normType)
        for g in grads {
            let x = g.pointer
            if normType.isInfinite {
                for i in 0..<g.count { total = max(total, Double(abs(x[i]))) }
            } else if normType == 2 {
                for i in 0..<g.count { total += Double(x[i]) * Double(x[i]) }
            } else {
                for i in 0..<g.count { total += Foundation.pow(Double(abs(x[i])), p) }
            }
        }
        if !normType.isInfinite { total = Foundation.pow(total, 1 / p) }
        let coef = Double(maxNorm) / (total + 1e-6)
        if coef < 1 {
            let c = Float(coef)
            for g in grads {
                let x = g.pointer
                for i in 0..<g.count { x[i] *= c }
            }
        }
        return Float(total)
    }

    /// Clamps every gradient element to [−value, value].
    public static func clipValue(_ params: [Parameter], value: Float) {
        precondition(value > 0, "clipValue: needs value > 0")
        for p in params {
            guard let g = p.grad else { continue }
            let x = g.pointer
            for i in 0..<g.count { x[i] = min(max(x[i], -value), value) }
        }
    }
}
