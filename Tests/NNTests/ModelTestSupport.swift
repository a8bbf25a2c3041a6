// Helpers for the model/loss tests: finite-difference gradient check (same method and
// tolerances as Tests/TensorTests/GradCheck.swift: central differences in Double on the probe
// L = Σ f(x) ⊙ R, |analytic − numeric| ≤ atol + rtol·|numeric|) and small builders.
import XCTest
@testable import NN
import Tensor

func modelRandn(_ shape: [Int], seed: UInt64, std: Float = 1, requiresGrad: Bool = true) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let t = Tensor.randn(shape, std: std, rng: &rng)
    t.requiresGrad = requiresGrad
    return t
}

func modelGradCheck(_ inputs: [Tensor], h: Float = 1e-2, atol: Float = 1e-2, rtol: Float = 1e-2,
                    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for t in inputs { t.grad = nil }
    let out = f(inputs)
    var rng = RandomGenerator(seed: 777)
    let probe = Tensor.randn(out.shape, rng: &rng)
    (out * probe).sum().backward()
    func value() -> Double {
        withNoGrad {
            let o = f(inputs)
            var s = 0.0
            for i in 0..<o.count { s += Double(o.pointer[i]) * Double(probe.pointer[i]) }
            return s
        }
    }
    for (k, t) in inputs.enumerated() where t.requiresGrad {
        guard let g = t.grad else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        for i in stride(from: 0, to: t.count, by: max(1, t.count / 200)) {
            let orig = t.pointer[i]
            t.pointer[i] = orig + h; let lp = value()
            t.pointer[i] = orig - h; let lm = value()
            t.pointer[i] = orig
            let numeric = Float((lp - lm) / Double(2 * h))
            if abs(g.pointer[i] - numeric) > atol + rtol * abs(numeric) {
                XCTFail("input \(k) element \(i): analytic \(g.pointer[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

/// A small model spec for fast tests: ResNet-18 layout at width 1/8 (8-16-32-64 channels).
func tinySpec(_ edit: (inout ModelSpec) -> Void = { _ in }) -> ModelSpec {
    var s = ModelSpec()
    s.depth = 18; s.width = 0.125; s.numClasses = 5; s.inputSize = [32, 16]
    edit(&s)
    return s
}
