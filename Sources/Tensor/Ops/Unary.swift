// Pointwise math and activations, each forward next to its backward. Backward closures that need
// the output capture a detached view of it (shares storage, no reference back to the graph node).
import Foundation

extension Tensor {
    public func exp() -> Tensor {
        let out = map(Pointwise.Exp())
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("exp", [self]) { g in [g * y] }
        }
        return out
    }

    public func log() -> Tensor {
        let out = map(Pointwise.Log())
        if Tensor.recording(self) { out.record("log", [self]) { g in [g / self] } }
        return out
    }

    /// self ** p for a constant exponent.
    public func pow(_ p: Float) -> Tensor {
        if p == 2 { return self * self }
        let out = map(Pointwise.Pow(p: p))
        if Tensor.recording(self) {
            out.record("pow", [self]) { g in [g.zipMap(self, Pointwise.PowGradient(p: p))] }
        }
        return out
    }

    /// self ** p for a tensor exponent (broadcast), as exp(p · log self); needs self > 0.
    public func pow(_ p: Tensor) -> Tensor { (log() * p).exp() }

    public func sqrt() -> Tensor {
        let out = map(Pointwise.Sqrt())
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("sqrt", [self]) { g in [g.zipMap(y, Pointwise.SqrtGradient())] }
        }
        return out
    }

    public func abs() -> Tensor {
        let out = map(Pointwise.Abs())
        if Tensor.recording(self) {
            out.record("abs", [self]) { g in [g.zipMap(self, Pointwise.AbsGradient())] }
        }
        return out
    }

    /// Clamps to [min, max]; the gradient passes where min ≤ x ≤ max.
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        let out = map(Pointwise.Clamp(lo: lo, hi: hi))
        if Tensor.recording(self) {
            out.record("clamp", [self]) { g in [g.zipMap(self, Pointwise.ClampGradient(lo: lo, hi: hi))] }
        }
        return out
    }

    public func relu() -> Tensor {
        let out = map(Pointwise.ReLU())
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("relu", [self]) { g in [g.zipMap(y, Pointwise.ReLUGradient())] }
        }
        return out
    }

    /// min(max(x, 0), 6) as PyTorch's ReLU6 (hardtanh): the gradient passes where 0 < x < 6
    /// (clamp's passes at the bounds too). MobileNetV2 runs it fused into the preceding BN.
    public func relu6() -> Tensor {
        let out = map(Pointwise.ReLU6())
        if Tensor.recording(self) { out.record("relu6", [self]) { g in [g.zipMap(self, Pointwise.ReLU6Gradient())] } }
        return out
    }

    public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
        let out = map(Pointwise.LeakyReLU(slope: slope))
        if Tensor.recording(self) {
            out.record("leaky_relu", [self]) { g in [g.zipMap(self, Pointwise.LeakyReLUGradient(slope: slope))] }
        }
        return out
    }

    public func sigmoid() -> Tensor {
        let out = map(Pointwise.Sigmoid())
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("sigmoid", [self]) { g in [g.zipMap(y, Pointwise.SigmoidGradient())] }
        }
        return out
    }

    /// x · relu6(x + 3) / 6 (MobileNetV3).
    public func hardswish() -> Tensor {
        let out = map(Pointwise.Hardswish())
        if Tensor.recording(self) {
            out.record("hardswish", [self]) { g in
                [g.zipMap(self, Pointwise.HardswishGradient())]
            }
        }
        return out
    }

    /// log(1 + exp(β·x)) / β, computed stably; gradient sigmoid(β·x).
    public func softplus(beta: Float = 1) -> Tensor {
        let out = map(Pointwise.Softplus(beta: beta))
        if Tensor.recording(self) {
            out.record("softplus", [self]) { g in [g.zipMap(self, Pointwise.SoftplusGradient(beta: beta))] }
        }
        return out
    }
}

// MARK: - The pointwise functions (forward, then gradient: g is the incoming gradient; x the
// input, y the output, whichever the gradient reads)

extension Pointwise {
    struct Exp: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
    struct Log: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
    struct Pow: UnaryFunction {
        let p: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, p) }
    }
    struct PowGradient: BinaryFunction {
        let p: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * p * Foundation.pow(x, p - 1) }
    }
    struct Sqrt: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    struct SqrtGradient: BinaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * 0.5 / y } }
    struct Abs: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
    struct AbsGradient: BinaryFunction {
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
    }
    struct Clamp: UnaryFunction {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
    }
    struct ClampGradient: BinaryFunction {
        let lo: Float, hi: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { (x >= lo && x <= hi) ? g : 0 }
    }
    struct ReLU: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }
    /// Gated by the output (relu, add_relu): y > 0.
    struct ReLUGradient: BinaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 } }
    struct ReLU6: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? (x < 6 ? x : 6) : 0 } }
    struct ReLU6Gradient: BinaryFunction {
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 && x < 6 ? g : 0 }
    }
    struct LeakyReLU: UnaryFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
    }
    struct LeakyReLUGradient: BinaryFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
    }
    struct Sigmoid: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) } }
    struct SigmoidGradient: BinaryFunction { @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) } }
    struct Hardswish: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x <= -3 ? 0 : (x >= 3 ? x : x * (x + 3) / 6) }
    }
    struct HardswishGradient: BinaryFunction {
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x < -3 ? 0 : (x > 3 ? g : g * (2 * x + 3) / 6) }
    }
    /// log(1 + exp(β·x)) / β as max(z, 0) + log1p(exp(−|z|)), z = β·x (no overflow).
    struct Softplus: UnaryFunction {
        let beta: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            let z = beta * x
            return (Swift.max(z, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(z)))) / beta
        }
    }
    struct SoftplusGradient: BinaryFunction {
        let beta: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g / (1 + Foundation.exp(-beta * x)) }
    }
}
