// Finite-difference gradient checks for every differentiable op (tolerances in GradCheck.swift).
import XCTest
@testable import Tensor
import TestSupport

final class ElementwiseGradientTests: XCTestCase {
    func testBinaryOpsSameShape() {
        let a = randomTensor([3, 4], seed: 1), b = randomTensor([3, 4], seed: 2)
        assertGradients([a, b]) { $0[0] + $0[1] }
        assertGradients([a, b]) { $0[0] - $0[1] }
        assertGradients([a, b]) { $0[0] * $0[1] }
        let c = (randomTensor([3, 4], seed: 3).abs() + 0.5).detached()
        c.requiresGrad = true
        assertGradients([a, c]) { $0[0] / $0[1] }
    }

    func testBroadcasting() {
        let a = randomTensor([2, 3, 4], seed: 4)
        for (i, shape) in [[3, 1], [4], [1], [], [2, 1, 4], [1, 3, 1]].enumerated() {
            let b = randomTensor(shape, seed: UInt64(10 + i))
            assertGradients([a, b]) { $0[0] + $0[1] }
            assertGradients([a, b]) { $0[1] - $0[0] }
            assertGradients([a, b]) { $0[0] * $0[1] }
            let d = (b.abs() + 0.5).detached()
            d.requiresGrad = true
            assertGradients([a, d]) { $0[0] / $0[1] }
        }
        // Both sides broadcast: (2, 1) with (1, 3).
        assertGradients([randomTensor([2, 1], seed: 20), randomTensor([1, 3], seed: 21)]) { $0[0] * $0[1] }
    }

    func testScalarOpsAndNeg() {
        let a = randomTensor([5], seed: 5)
        assertGradients([a]) { $0[0] * 3 + 2 }
        assertGradients([a]) { 1 - $0[0] / 4 }
        assertGradients([a]) { -$0[0] }
        let p = (a.abs() + 0.5).detached(); p.requiresGrad = true
        assertGradients([p]) { 2 / $0[0] }
    }

    func testPointwiseMath() {
        let x = randomTensor([4, 5], seed: 6)
        let pos = (x.abs() + 0.3).detached(); pos.requiresGrad = true
        assertGradients([x]) { $0[0].exp() }
        assertGradients([pos]) { $0[0].log() }
        assertGradients([pos]) { $0[0].sqrt() }
        assertGradients([pos]) { $0[0].pow(3) }
        assertGradients([x]) { $0[0].pow(2) }
        assertGradients([pos]) { $0[0].pow(-1.5) }
        let e = randomTensor([1], seed: 7)
        assertGradients([pos, e]) { $0[0].pow($0[1]) }
        assertGradients([awayFromKinks(x, kinks: [0])]) { $0[0].abs() }
        assertGradients([awayFromKinks(x, kinks: [-0.5, 0.5])]) { $0[0].clamp(min: -0.5, max: 0.5) }
    }

    /// At the bounds ReLU6 passes no gradient (PyTorch's hardtanh), clamp passes it (torch.clamp).
    func testReLU6AndClampAtTheirBounds() {
        let x = Tensor([-1, 0, 3, 6, 7]); x.requiresGrad = true
        let y = x.relu6()
        XCTAssertEqual(y.scalars, [0, 0, 3, 6, 6])
        y.sum().backward()
        XCTAssertEqual(x.grad!.scalars, [0, 0, 1, 0, 0])
        x.grad = nil
        x.clamp(min: 0, max: 6).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [0, 1, 1, 1, 0])
    }

    func testActivations() {
        let x = awayFromKinks(randomTensor([4, 6], seed: 8, scale: 3), kinks: [-3, 0, 3])
        assertGradients([x]) { $0[0].relu() }
        assertGradients([awayFromKinks(randomTensor([4, 6], seed: 9, scale: 4), kinks: [0, 6])]) { $0[0].relu6() }
        assertGradients([x]) { $0[0].leakyRelu(0.1) }
        assertGradients([x]) { $0[0].sigmoid() }
        assertGradients([x]) { $0[0].hardswish() }
        assertGradients([x]) { $0[0].softplus() }
        assertGradients([x]) { $0[0].softplus(beta: 2) }
    }
}

final class ReductionAndShapeGradientTests: XCTestCase {
    func testSumMeanMax() {
        let x = randomTensor([2, 3, 4, 5], seed: 9)
        // Distinct values 0.1 apart so that the ±h probe never changes the argmax.
        var rng = RandomGenerator(seed: 90)
        let distinct = Tensor(shape: [2, 3, 4, 5], scalars: rng.permutation(120).map { Float($0) * 0.1 })
        distinct.requiresGrad = true
        for axes in [[], [0], [1], [3], [-1], [0, 2], [1, 3], [0, 2, 3], [0, 1, 2, 3]] {
            assertGradients([x]) { $0[0].sum(axes: axes) }
            assertGradients([x]) { $0[0].mean(axes: axes, keepDims: true) }
            assertGradients([distinct]) { $0[0].max(axes: axes) }
            assertGradients([distinct]) { $0[0].max(axes: axes, keepDims: true) }
        }
    }

    func testShapeOps() {
        let x = randomTensor([2, 3, 4], seed: 10)
        assertGradients([x]) { $0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6]) }
        assertGradients([x]) { $0[0].permuted([2, 0, 1]) }
        assertGradients([x]) { $0[0].transposed() }
        assertGradients([x]) { $0[0].flattened() }
        let y = randomTensor([2, 5, 4], seed: 11)
        assertGradients([x, y]) { Tensor.concat([$0[0], $0[1], $0[0]], axis: 1) }
        assertGradients([x]) { $0[0].narrow(axis: 2, start: 1, length: 2) }
        assertGradients([x]) { $0[0].slice(axis: 0, 1..<2) }
        assertGradients([x]) { $0[0].gatherRows([1, 0, 1, 1]) }
        let b = randomTensor([3, 1], seed: 12)
        assertGradients([b]) { $0[0].expanded(to: [2, 3, 4]) }
    }
}

final class MatmulGradientTests: XCTestCase {
    func testMatmulVariants() {
        let a = randomTensor([3, 4], seed: 13), b = randomTensor([4, 5], seed: 14)
        assertGradients([a, b]) { Tensor.matmul($0[0], $0[1]) }
        let ab = randomTensor([2, 3, 4], seed: 15), bb = randomTensor([2, 4, 5], seed: 16)
        assertGradients([ab, bb]) { Tensor.matmul($0[0], $0[1]) }
        assertGradients([ab, b]) { Tensor.matmul($0[0], $0[1]) }
        assertGradients([a, bb]) { Tensor.matmul($0[0], $0[1]) }
    }

    func testLinear() {
        let x = randomTensor([5, 4], seed: 17), w = randomTensor([3, 4], seed: 18), b = randomTensor([3], seed: 19)
        assertGradients([x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        assertGradients([x, w]) { linear($0[0], weight: $0[1]) }
        let x3 = randomTensor([2, 5, 4], seed: 20)
        assertGradients([x3, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]) }
    }
}

final class ConvGradientTests: XCTestCase {
    func check(n: Int, cin: Int, cout: Int, hw: (Int, Int), k: (Int, Int), _ o: Conv2dOptions, bias: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) {
        let x = randomTensor([n, cin, hw.0, hw.1], seed: 30)
        let w = randomTensor([cout, cin / o.groups, k.0, k.1], seed: 31, scale: 0.5)
        let b = randomTensor([cout], seed: 32)
        if bias {
            assertGradients([x, w, b], file: file, line: line) { conv2d($0[0], weight: $0[1], bias: $0[2], options: o) }
        } else {
            assertGradients([x, w], file: file, line: line) { conv2d($0[0], weight: $0[1], options: o) }
        }
    }

    func testConvGeometries() {
        check(n: 2, cin: 3, cout: 4, hw: (5, 6), k: (3, 3), .init())
        check(n: 2, cin: 3, cout: 4, hw: (5, 6), k: (3, 3), .init(stride: 1, padding: 1))
        check(n: 2, cin: 3, cout: 4, hw: (7, 6), k: (3, 3), .init(stride: 2, padding: 1))
        check(n: 1, cin: 2, cout: 3, hw: (7, 7), k: (3, 3), .init(stride: 1, padding: 2, dilation: 2))
        check(n: 2, cin: 2, cout: 2, hw: (6, 5), k: (2, 3), .init(stride: (2, 1), padding: (0, 1), dilation: (1, 2)))
        check(n: 2, cin: 4, cout: 6, hw: (5, 5), k: (3, 3), .init(stride: 1, padding: 1, groups: 2))
        check(n: 2, cin: 3, cout: 5, hw: (4, 4), k: (1, 1), .init(), bias: false)          // pointwise fast path
        check(n: 2, cin: 3, cout: 5, hw: (5, 5), k: (1, 1), .init(stride: 2))             // strided 1×1
        check(n: 3, cin: 4, cout: 6, hw: (16, 8), k: (1, 1), .init(), bias: false)       // pointwise, GEMM straight on x (≥128 positions)
    }

    func testDepthwise() {
        check(n: 2, cin: 3, cout: 3, hw: (5, 6), k: (3, 3), .init(stride: 1, padding: 1, groups: 3))
        check(n: 2, cin: 4, cout: 4, hw: (7, 7), k: (3, 3), .init(stride: 2, padding: 1, groups: 4))
        check(n: 1, cin: 2, cout: 2, hw: (7, 7), k: (3, 3), .init(stride: 1, padding: 2, dilation: 2, groups: 2), bias: false)
        check(n: 2, cin: 2, cout: 2, hw: (8, 7), k: (3, 2), .init(stride: (3, 2), padding: (1, 0), groups: 2))
        // MobileNetV2-like shapes: many planes (split across workers), even sizes, tiny final maps.
        check(n: 3, cin: 24, cout: 24, hw: (16, 8), k: (3, 3), .init(stride: 2, padding: 1, groups: 24))
        check(n: 3, cin: 24, cout: 24, hw: (16, 8), k: (3, 3), .init(stride: 1, padding: 1, groups: 24))
        check(n: 5, cin: 32, cout: 32, hw: (2, 1), k: (3, 3), .init(stride: 1, padding: 1, groups: 32))
    }

    func testChunkedBatch() {
        // Tiny maps and a larger batch: several images share one col matrix (chunk > 1).
        check(n: 9, cin: 3, cout: 4, hw: (2, 3), k: (3, 3), .init(stride: 1, padding: 1))
        check(n: 9, cin: 3, cout: 4, hw: (2, 2), k: (1, 1), .init())
    }
}

final class PoolNormGradientTests: XCTestCase {
    func testPooling() {
        // Distinct values avoid argmax ties under perturbation.
        let x = Tensor(shape: [2, 2, 5, 6], scalars: (0..<120).map { Float(($0 * 37) % 120) * 0.1 })
        x.requiresGrad = true
        assertGradients([x]) { maxPool2d($0[0], kernel: 2) }
        assertGradients([x]) { maxPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
        assertGradients([x]) { globalMaxPool2d($0[0]) }
        let y = randomTensor([2, 3, 5, 6], seed: 40)
        assertGradients([y]) { avgPool2d($0[0], kernel: 2) }
        assertGradients([y]) { avgPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
        assertGradients([y]) { avgPool2d($0[0], kernel: 3, stride: 2, padding: 1, countIncludePad: false) }
        assertGradients([y]) { globalAvgPool2d($0[0]) }
    }

    func testBatchNormTrain() {
        let x = randomTensor([4, 3, 2, 3], seed: 41)
        let w = randomTensor([3], seed: 42), b = randomTensor([3], seed: 43)
        assertGradients([x, w, b]) {
            batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true)
        }
        let x1 = randomTensor([6, 4], seed: 44)
        let w1 = randomTensor([4], seed: 45), b1 = randomTensor([4], seed: 46, requiresGrad: false)   // frozen bias
        assertGradients([x1, w1]) {
            batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: b1, training: true)
        }
        assertGradients([x]) { batchNorm($0[0], runningMean: nil, runningVar: nil, weight: nil, bias: nil, training: true) }
    }

    func testBatchNormEval() {
        let x = randomTensor([3, 2, 2, 2], seed: 47)
        let w = randomTensor([2], seed: 48), b = randomTensor([2], seed: 49)
        let rm = Tensor([0.1, -0.2]), rv = Tensor([0.5, 2.0])
        assertGradients([x, w, b]) {
            batchNorm($0[0], runningMean: rm, runningVar: rv, weight: $0[1], bias: $0[2], training: false)
        }
    }

    func testInstanceNorm() {
        let x = randomTensor([2, 3, 3, 4], seed: 50)
        let w = randomTensor([3], seed: 51), b = randomTensor([3], seed: 52)
        assertGradients([x, w, b]) { instanceNorm2d($0[0], weight: $0[1], bias: $0[2]) }
    }

    func testSoftmaxFamily() {
        let x = randomTensor([3, 5], seed: 53, scale: 2)
        assertGradients([x]) { $0[0].softmax() }
        assertGradients([x]) { $0[0].logSoftmax() }
        assertGradients([x]) { $0[0].softmax(axis: 0) }
        assertGradients([x]) { $0[0].logSoftmax(axis: 0) }
    }

    func testNormalizeAndDistances() {
        let a = randomTensor([4, 3], seed: 54), b = randomTensor([5, 3], seed: 55)
        assertGradients([a]) { $0[0].l2Normalized() }
        assertGradients([a, b]) { pairwiseSquaredEuclidean($0[0], $0[1]) }
        assertGradients([a, b]) { pairwiseCosineDistance($0[0], $0[1]) }
    }

    func testNormalizeZeroVectorHasZeroGradient() {
        // Regression: the norm's square root at 0 gave 0·∞ = NaN, which silently poisoned RKD training.
        let x = Tensor(shape: [2, 3], scalars: [0, 0, 0, 1, 2, 2])
        x.requiresGrad = true
        (x.l2Normalized() * Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])).sum().backward()
        let g = x.grad!.scalars
        XCTAssertTrue(g.allSatisfy { $0.isFinite })
        // As PyTorch's F.normalize: at a zero vector only the x / eps path remains (upstream / eps).
        assertClose(Array(g[0..<3]), [1e12, 2e12, 3e12], rtol: 1e-5)
    }

    func testDropout() {
        let x = randomTensor([200], seed: 56)
        var rng = RandomGenerator(seed: 3)
        let y = dropout(x, p: 0.25, training: true, rng: &rng)
        y.sum().backward()
        let g = x.grad!.scalars
        for i in 0..<200 {
            // Gradient equals the mask: 0 where dropped, 1/(1−p) where kept.
            if y.scalars[i] == 0 { XCTAssertEqual(g[i], 0) } else { XCTAssertEqual(g[i], 1 / 0.75, accuracy: 1e-6) }
        }
        let dropped = g.filter { $0 == 0 }.count
        XCTAssert(dropped > 25 && dropped < 75, "dropped \(dropped) of 200 at p = 0.25")
        var rng2 = RandomGenerator(seed: 3)
        XCTAssert(dropout(x, p: 0.25, training: false, rng: &rng2) === x)
    }
}
