// Shared test helpers for every <Module>Tests target (target TestSupport).
// Finite-difference gradient checking (test tier 1).
//
// For inputs x and an op f, the scalar probe L = Σ f(x) ⊙ R with a fixed random R is
// differentiated by autograd and by central differences (L(x + h·e_i) − L(x − h·e_i)) / 2h,
// accumulated in Double. Float32 rounding limits the agreement, so the tolerance is
// |analytic − numeric| ≤ atol + rtol·|numeric| with atol = rtol = 1e-2 by default, h = 1e-2.
// Inputs of ops with kinks (relu, abs, clamp, max) are kept away from the kinks by the tests.
import XCTest
import Tensor

public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, requiresGrad: Bool = true) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let t = Tensor.randn(shape, std: scale, rng: &rng)
    t.requiresGrad = requiresGrad
    return t
}

public func assertGradients(_ inputs: [Tensor], h: Float = 1e-2, atol: Float = 1e-2, rtol: Float = 1e-2,
                     maxElements: Int = 200, file: StaticString = #filePath, line: UInt = #line,
                     _ f: ([Tensor]) -> Tensor) {
    for t in inputs { t.grad = nil }
    let out = f(inputs)
    var rng = RandomGenerator(seed: 777)
    let probe = Tensor.randn(out.shape, rng: &rng)
    let loss = (out * probe).sum()
    loss.backward()
    func probeValue() -> Double {
        withNoGrad {
            let o = f(inputs)
            var s = 0.0
            for i in 0..<o.count { s += Double(o.pointer[i]) * Double(probe.pointer[i]) }
            return s
        }
    }
    for (k, t) in inputs.enumerated() where t.requiresGrad {
        guard let g = t.grad else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(g.shape, t.shape, file: file, line: line)
        // A NaN compares false with everything: check finiteness explicitly, on every element.
        if let bad = (0..<g.count).first(where: { !g.pointer[$0].isFinite }) {
            XCTFail("input \(k) \(t.shape) element \(bad): gradient is \(g.pointer[bad])", file: file, line: line)
            return
        }
        let stride = Swift.max(1, t.count / maxElements)
        for i in Swift.stride(from: 0, to: t.count, by: stride) {
            let orig = t.pointer[i]
            t.pointer[i] = orig + h
            let lp = probeValue()
            t.pointer[i] = orig - h
            let lm = probeValue()
            t.pointer[i] = orig
            let numeric = Float((lp - lm) / Double(2 * h))
            let analytic = g.pointer[i]
            if Swift.abs(analytic - numeric) > atol + rtol * Swift.abs(numeric) {
                XCTFail("input \(k) \(t.shape) element \(i): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

public func assertClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > atol + rtol * Swift.abs(y) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}

/// Keeps values at least `margin` away from the given kink points.
public func awayFromKinks(_ t: Tensor, kinks: [Float], margin: Float = 0.05) -> Tensor {
    for i in 0..<t.count {
        for k in kinks where Swift.abs(t.pointer[i] - k) < margin {
            t.pointer[i] = t.pointer[i] >= k ? k + margin : k - margin
        }
    }
    return t
}
