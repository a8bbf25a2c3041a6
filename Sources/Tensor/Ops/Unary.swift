// Pointwise math and activations, each forward next to its backward. Backward closures that need
// the output capture a detached view of it (shares storage, no reference back to the graph node).
import Foundation

extension Tensor {
    public func exp() -> Tensor {
        let out = map { Foundation.exp($0) }
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("exp", [self]) { g in [g * y] }
        }
        return out
    }

    public func log() -> Tensor {
        let out = map { Foundation.log($0) }
        if Tensor.recording(self) { out.record("log", [self]) { g in [g / self] } }
        return out
    }

    /// self ** p for a constant exponent.
    public func pow(_ p: Float) -> Tensor {
        if p == 2 { return self * self }
        let out = map { Foundation.pow($0, p) }
        if Tensor.recording(self) {
            out.record("pow", [self]) { g in [g.zipMap(self) { gv, x in gv * p * Foundation.pow(x, p - 1) }] }
        }
        return out
    }

    /// self ** p for a tensor exponent (broadcast), as exp(p · log self); needs self > 0.
    public func pow(_ p: Tensor) -> Tensor { (log() * p).exp() }

    public func sqrt() -> Tensor {
        let out = map { $0.squareRoot() }
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("sqrt", [self]) { g in [g.zipMap(y) { gv, r in gv * 0.5 / r }] }
        }
        return out
    }

    public func abs() -> Tensor {
        let out = map { Swift.abs($0) }
        if Tensor.recording(self) {
            out.record("abs", [self]) { g in [g.zipMap(self) { gv, x in x > 0 ? gv : (x < 0 ? -gv : 0) }] }
        }
        return out
    }

    /// Clamps to [min, max]; the gradient passes where min ≤ x ≤ max.
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        let out = map { Swift.min(Swift.max($0, lo), hi) }
        if Tensor.recording(self) {
            out.record("clamp", [self]) { g in [g.zipMap(self) { gv, x in (x >= lo && x <= hi) ? gv : 0 }] }
        }
        return out
    }

    public func relu() -> Tensor {
        let out = map { $0 > 0 ? $0 : 0 }
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("relu", [self]) { g in [g.zipMap(y) { gv, v in v > 0 ? gv : 0 }] }
        }
        return out
    }

    public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
        let out = map { $0 > 0 ? $0 : slope * $0 }
        if Tensor.recording(self) {
            out.record("leaky_relu", [self]) { g in [g.zipMap(self) { gv, x in x > 0 ? gv : slope * gv }] }
        }
        return out
    }

    public func sigmoid() -> Tensor {
        let out = map { 1 / (1 + Foundation.exp(-$0)) }
        if Tensor.recording(self) {
            let y = out.detached()
            out.record("sigmoid", [self]) { g in [g.zipMap(y) { gv, s in gv * s * (1 - s) }] }
        }
        return out
    }

    /// x · relu6(x + 3) / 6 (MobileNetV3).
    public func hardswish() -> Tensor {
        let out = map { x in x <= -3 ? 0 : (x >= 3 ? x : x * (x + 3) / 6) }
        if Tensor.recording(self) {
            out.record("hardswish", [self]) { g in
                [g.zipMap(self) { gv, x in x < -3 ? 0 : (x > 3 ? gv : gv * (2 * x + 3) / 6) }]
            }
        }
        return out
    }

    /// log(1 + exp(β·x)) / β, computed stably; gradient sigmoid(β·x).
    public func softplus(beta: Float = 1) -> Tensor {
        let out = map { x in
            let z = beta * x
            return (Swift.max(z, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(z)))) / beta
        }
        if Tensor.recording(self) {
            out.record("softplus", [self]) { g in [g.zipMap(self) { gv, x in gv / (1 + Foundation.exp(-beta * x)) }] }
        }
        return out
    }
}
