// Fused bn → relu (`batchNorm(…, relu: true)`), bn → relu6 (`reluMax: 6`) and relu(a + b)
// (`Tensor.addReLU`): finite-difference gradient checks on inputs kept ≥ 0.1 away from the kinks,
// and agreement with the unfused compositions on random inputs (forward values and every
// gradient, train and eval).
import XCTest
import Tensor
import TestSupport

final class FusedOpTests: XCTestCase {
    /// (N, C, H, W) input whose normalised values sit at ±0.5…±1.5 per channel, so that with
    /// bias 0.05 no output lies within 0.1 of the kink even after a finite-difference step.
    func spreadInput() -> Tensor {
        let (n, c, s) = (2, 3, 6)
        var v = [Float](repeating: 0, count: n * c * s)
        for i in 0..<n { for ch in 0..<c { for j in 0..<s {
            let k = i * s + j   // 12 values per channel: ±(1, 1.5, 2, 2.5, 3, 3.5) around a channel offset
            let mag = 1 + 0.5 * Float(k / 2)
            v[(i * c + ch) * s + j] = Float(ch) + (k % 2 == 0 ? mag : -mag)
        } } }
        let x = Tensor(shape: [n, c, 2, 3], scalars: v)
        x.requiresGrad = true
        return x
    }

    func testBatchNormReLUGradients() {
        let x = spreadInput()
        let w = Tensor(shape: [3], scalars: [1.0, 0.7, 1.3]), b = Tensor(shape: [3], scalars: [0.05, 0.05, 0.05])
        w.requiresGrad = true; b.requiresGrad = true
        let y = withNoGrad { batchNorm(x, runningMean: nil, runningVar: nil, weight: w, bias: b, training: true) }
        XCTAssertGreaterThan(y.scalars.map { abs($0 - 0) }.min()!, 0.1, "test input must stay away from the kink")
        assertGradients([x, w, b]) { batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true, relu: true) }
        let rm = Tensor(shape: [3], scalars: [0.9, 1.1, 2.2]), rv = Tensor(shape: [3], scalars: [3, 4, 5])
        assertGradients([x, w, b]) { batchNorm($0[0], runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: false, relu: true) }
    }

    func testBatchNormReLU6Gradients() {
        let x = spreadInput()
        // γ large enough that some outputs pass 6 (the upper kink) on both sides.
        let w = Tensor(shape: [3], scalars: [4.5, 3.2, 5.5]), b = Tensor(shape: [3], scalars: [0.05, 0.05, 0.05])
        w.requiresGrad = true; b.requiresGrad = true
        let y = withNoGrad { batchNorm(x, runningMean: nil, runningVar: nil, weight: w, bias: b, training: true) }
        XCTAssertGreaterThan(y.scalars.map { Swift.min(abs($0), abs($0 - 6)) }.min()!, 0.1, "test input must stay away from the kinks")
        XCTAssertTrue(y.scalars.contains { $0 > 6 })
        assertGradients([x, w, b]) { batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true, relu: true, reluMax: 6) }
    }

    func testBatchNormReLUMatchesUnfused() {
        for (training, cap) in [(true, Float.infinity), (false, .infinity), (true, 6), (false, 6)] {
            for shape in [[4, 5, 3, 2], [6, 4]] {
                let c = shape[1]
                // With the cap, γ ×16 puts a share of the outputs above 6.
                let x = randomTensor(shape, seed: 1), b = randomTensor([c], seed: 3)
                let w = randomTensor([c], seed: 2, scale: cap.isFinite ? 16 : 1)
                let probe = randomTensor(shape, seed: 4, requiresGrad: false)
                let rm1 = randomTensor([c], seed: 5, requiresGrad: false), rv1 = Tensor.full([c], 2)
                let rm2 = rm1.copy(), rv2 = rv1.copy()
                let fused = batchNorm(x, runningMean: rm1, runningVar: rv1, weight: w, bias: b, training: training, relu: true, reluMax: cap)
                if cap.isFinite { XCTAssertTrue(fused.scalars.contains(6), "no output reached the cap") }
                (fused * probe).sum().backward()
                let (yf, gx, gw, gb) = (fused.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars)
                x.grad = nil; w.grad = nil; b.grad = nil
                let bn = batchNorm(x, runningMean: rm2, runningVar: rv2, weight: w, bias: b, training: training)
                let plain = cap.isFinite ? bn.relu6() : bn.relu()
                (plain * probe).sum().backward()
                XCTAssertEqual(yf, plain.scalars)
                assertClose(gx, x.grad!.scalars, atol: 1e-5, rtol: 1e-5)
                assertClose(gw, w.grad!.scalars, atol: 1e-5, rtol: 1e-5)
                assertClose(gb, b.grad!.scalars, atol: 1e-5, rtol: 1e-5)
                XCTAssertEqual(rm1.scalars, rm2.scalars)
                XCTAssertEqual(rv1.scalars, rv2.scalars)
                x.grad = nil; w.grad = nil; b.grad = nil
            }
        }
    }

    func testAddReLU() {
        let a = randomTensor([3, 4, 5], seed: 10), b = randomTensor([3, 4, 5], seed: 11)
        // Keep a + b at least 0.1 from zero for the finite-difference check.
        for i in 0..<a.count where abs(a.pointer[i] + b.pointer[i]) < 0.1 { a.pointer[i] += 0.3 }
        assertGradients([a, b]) { Tensor.addReLU($0[0], $0[1]) }
        let probe = randomTensor([3, 4, 5], seed: 12, requiresGrad: false)
        a.grad = nil; b.grad = nil
        let y = Tensor.addReLU(a, b)
        (y * probe).sum().backward()
        let (ga, gb) = (a.grad!.scalars, b.grad!.scalars)
        a.grad = nil; b.grad = nil
        let y2 = (a + b).relu()
        (y2 * probe).sum().backward()
        XCTAssertEqual(y.scalars, y2.scalars)
        XCTAssertEqual(ga, a.grad!.scalars)
        XCTAssertEqual(gb, b.grad!.scalars)
        // The same tensor used twice (x + x): gradients add up.
        let x = randomTensor([7], seed: 13)
        Tensor.addReLU(x, x).sum().backward()
        XCTAssertEqual(x.grad!.scalars, x.scalars.map { $0 > 0 ? 2 : 0 })
    }
}
