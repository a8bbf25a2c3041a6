// BN folding: the affine map on a hand-computed case, and conv→BN (eval) equal to the folded
// conv for a plain, a strided and a depthwise conv, and for a linear layer with bias.
import XCTest
import Tensor
import TestSupport
import NN

final class BatchNormFoldingTests: XCTestCase {
    func testAffineByHand() {
        // γ = 2, β = 1, mean = 3, var = 3 (ε = 1): s = 2/√4 = 1, t = 1 − 3 = −2.
        // γ = 1, β = 0, mean = −1, var = 0 (ε = 1): s = 1, t = 1.
        let a = BatchNormFolding.affine(gamma: [2, 1], beta: [1, 0], mean: [3, -1], variance: [3, 0], eps: 1)
        XCTAssertEqual(a.scale, [1, 1])
        XCTAssertEqual(a.shift, [-2, 1])
        // Folding into a 2×1 "linear" weight [[3], [5]] with bias [1, 1]: w' = [3, 5], b' = [1−2, 1+1].
        let (w, b) = BatchNormFolding.fold(weight: Tensor(shape: [2, 1], scalars: [3, 5]), bias: Tensor([1, 1]), affine: a)
        XCTAssertEqual(w.scalars, [3, 5])
        XCTAssertEqual(b.scalars, [-1, 2])
    }

    /// Random running statistics and affine parameters, so the check is not trivially the identity.
    func randomizedBN(_ c: Int, seed: UInt64) -> BatchNorm {
        var rng = RandomGenerator(seed: seed)
        let bn = BatchNorm(c)
        bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng))
        bn.bias.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng))
        bn.runningMean.assign(Tensor.uniform([c], low: -1, high: 1, rng: &rng))
        bn.runningVar.assign(Tensor.uniform([c], low: 0.2, high: 2, rng: &rng))
        bn.eval()
        return bn
    }

    func checkConv(cin: Int, cout: Int, kernel: Int, stride: Int, groups: Int, bias: Bool, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        let conv = Conv2d(cin, cout, kernel: kernel, stride: stride, padding: kernel / 2, groups: groups, bias: bias, rng: &rng)
        if let b = conv.bias { b.assign(Tensor.uniform([cout], low: -1, high: 1, rng: &rng)) }
        let bn = randomizedBN(cout, seed: seed + 1)
        let x = randomTensor([2, cin, 7, 6], seed: seed + 2, requiresGrad: false)
        let reference = withNoGrad { bn(conv(x)) }
        let (w, b) = BatchNormFolding.fold(conv, bn)
        let folded = withNoGrad { conv2d(x, weight: w, bias: b, options: conv.options) }
        assertClose(folded.scalars, reference.scalars, atol: 1e-5, rtol: 1e-5)
        // Pure: the conv's own weight is untouched.
        XCTAssertFalse(w === conv.weight)
    }

    func testFoldedConvMatchesConvThenBN() {
        checkConv(cin: 3, cout: 5, kernel: 3, stride: 1, groups: 1, bias: false, seed: 10)
        checkConv(cin: 4, cout: 6, kernel: 1, stride: 2, groups: 1, bias: true, seed: 20)
        checkConv(cin: 8, cout: 8, kernel: 3, stride: 2, groups: 8, bias: false, seed: 30)  // depthwise
    }

    func testFoldedLinearMatchesLinearThenBN1d() {
        var rng = RandomGenerator(seed: 40)
        let fc = Linear(6, 4, rng: &rng)
        let bn = randomizedBN(4, seed: 41)
        let x = randomTensor([3, 6], seed: 42, requiresGrad: false)
        let reference = withNoGrad { bn(fc(x)) }
        let (w, b) = BatchNormFolding.fold(weight: fc.weight, bias: fc.bias, batchNorm: bn)
        assertClose(withNoGrad { linear(x, weight: w, bias: b) }.scalars, reference.scalars, atol: 1e-5, rtol: 1e-5)
    }
}
