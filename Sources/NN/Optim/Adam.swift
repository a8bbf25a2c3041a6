// Adam (L2 weight decay folded into the gradient) and AdamW (decoupled decay), as torch.optim's
// single-tensor implementations, with a per-parameter step count t (a parameter skipped during
// the freeze iterations starts its bias correction when it first updates):
//   AdamW: θ = θ·(1 − lr·λ)            Adam: g = g + λ·θ
//   m = m + (1 − β1)(g − m)            v = β2·v + (1 − β2)·g²
//   θ = θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
import Foundation
import Tensor

public final class Adam: Optimizer {
    public let beta1: Float, beta2: Float, eps: Float
    /// Decoupled weight decay (AdamW).
    public let decoupled: Bool

    public init(_ parameters: [OptimizedParameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, decoupled: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.decoupled = decoupled
        super.init(parameters, learningRate: learningRate)
    }

    override public var kind: String { decoupled ? "AdamW" : "Adam" }
    override var slots: [String] { ["step", "exp_avg", "exp_avg_sq"] }
    override func slotShape(_ slot: String, _ shape: [Int]) -> [Int] { slot == "step" ? [] : shape }
    override public var hyperParameters: [String: String] {
        ["beta1": "\(beta1)", "beta2": "\(beta2)", "eps": "\(eps)"]
    }

    override func update(_ index: Int, _ p: OptimizedParameter, grad: Tensor, lr: Float) {
        var fresh = false
        let stepT = slot(index, "step", created: &fresh)
        let m = slot(index, "exp_avg", created: &fresh).pointer
        let v = slot(index, "exp_avg_sq", created: &fresh).pointer
        // The step count is an exact integer in Float32 up to 2^24 updates.
        stepT.pointer[0] += 1
        let t = Double(stepT.pointer[0])
        let bc1 = 1 - Foundation.pow(Double(beta1), t)
        let bc2 = 1 - Foundation.pow(Double(beta2), t)
        let stepSize = Float(Double(lr) / bc1)
        let bc2Sqrt = Float(bc2.squareRoot())
        let theta = p.parameter.pointer, g = grad.pointer
        let wd = p.weightDecay, b1 = beta1, b2 = beta2, e = eps, dec = decoupled
        let shrink = dec ? 1 - lr * wd : 1, l2 = dec ? 0 : wd
        // Eight lanes at a time: the square root and division dominate, and the compiler cannot
        // vectorise the scalar loop itself (it cannot prove the four buffers do not alias).
        elementwise(p.parameter.count) { r in
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                var th = UnsafeRawPointer(theta + i).loadUnaligned(as: SIMD8<Float>.self)
                var gi = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                var mi = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD8<Float>.self)
                var vi = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
                th *= shrink
                gi += l2 * th
                mi += (1 - b1) * (gi - mi)
                vi = b2 * vi + (1 - b2) * gi * gi
                th -= stepSize * mi / (vi.squareRoot() / bc2Sqrt + e)
                UnsafeMutableRawPointer(theta + i).storeBytes(of: th, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound {
                theta[i] *= shrink
                let gi = g[i] + l2 * theta[i]
                m[i] += (1 - b1) * (gi - m[i])
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                theta[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + e)
                i += 1
            }
        }
    }
}
