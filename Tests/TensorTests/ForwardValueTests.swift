// Forward values against small hand-computed cases (test tier 2) and against a naive reference.
import XCTest
@testable import Tensor
import TestSupport

final class ConvForwardTests: XCTestCase {
    let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
    let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1])

    func testHandComputed() {
        // out[i][j] = x[i][j] − x[i+1][j+1] = −4 everywhere.
        XCTAssertEqual(conv2d(x, weight: w).scalars, [-4, -4, -4, -4])
        // Padding 1, stride 2: windows start at (−1,−1), (−1,1), (1,−1), (1,1).
        XCTAssertEqual(conv2d(x, weight: w, stride: 2, padding: 1).scalars, [-1, -3, -7, -4])
        // Bias adds per output channel.
        XCTAssertEqual(conv2d(x, weight: w, bias: Tensor([0.5])).scalars, [-3.5, -3.5, -3.5, -3.5])
        // Dilation 2 with a 2×2 kernel touches x[0][0] and x[2][2]: 1 − 9.
        XCTAssertEqual(conv2d(x, weight: w, dilation: 2).scalars, [-8])
        // Two groups: each output channel sees only its own input channel.
        let x2 = Tensor.concat([x, x * 10], axis: 1)
        let w2 = Tensor.concat([w, w * -1], axis: 0)
        XCTAssertEqual(conv2d(x2, weight: w2, groups: 2).scalars, [-4, -4, -4, -4, 40, 40, 40, 40])
    }

    /// Direct 7-loop convolution.
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ o: Conv2dOptions) -> [Float] {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let og = cout / o.groups
        let ho = (h + 2 * o.padding.0 - o.dilation.0 * (kh - 1) - 1) / o.stride.0 + 1
        let wo = (wd + 2 * o.padding.1 - o.dilation.1 * (kw - 1) - 1) / o.stride.1 + 1
        var out = [Float](repeating: 0, count: n * cout * ho * wo)
        for i in 0..<n { for co in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            var acc: Float = b?[co] ?? 0
            let g = co / og
            for c in 0..<cg { for ki in 0..<kh { for kj in 0..<kw {
                let iy = oy * o.stride.0 - o.padding.0 + ki * o.dilation.0
                let ix = ox * o.stride.1 - o.padding.1 + kj * o.dilation.1
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                acc += x[i, g * cg + c, iy, ix] * w[co, c, ki, kj]
            } } }
            out[((i * cout + co) * ho + oy) * wo + ox] = acc
        } } } }
        _ = cin
        return out
    }

    func testAgainstNaive() {
        let cases: [([Int], [Int], Conv2dOptions)] = [
            ([5, 3, 9, 7], [4, 3, 3, 3], .init(stride: 1, padding: 1)),
            ([5, 3, 9, 7], [4, 3, 3, 3], .init(stride: 2, padding: 1)),
            ([3, 4, 8, 8], [6, 2, 3, 3], .init(stride: 1, padding: 1, groups: 2)),
            ([4, 6, 7, 7], [6, 1, 3, 3], .init(stride: 2, padding: 1, groups: 6)),
            ([2, 8, 6, 5], [5, 8, 1, 1], .init()),
            ([2, 8, 6, 5], [5, 8, 1, 1], .init(stride: 2)),
            ([33, 4, 2, 2], [3, 4, 3, 3], .init(stride: 1, padding: 1)),   // chunks of many images
            ([2, 3, 11, 9], [2, 3, 3, 2], .init(stride: (2, 1), padding: (2, 1), dilation: (2, 3))),
            // Depthwise phase-plane kernel: odd sizes, stride 3, asymmetric stride/pad, dilation, 5×5.
            ([3, 5, 10, 7], [5, 1, 3, 3], .init(stride: 3, padding: 1, groups: 5)),
            ([2, 4, 9, 11], [4, 1, 5, 5], .init(stride: (1, 2), padding: (2, 1), groups: 4)),
            ([2, 3, 8, 9], [3, 1, 3, 2], .init(stride: (2, 1), padding: (3, 0), dilation: (2, 2), groups: 3)),
            ([2, 6, 4, 2], [6, 1, 3, 3], .init(stride: 1, padding: 1, groups: 6)),
        ]
        for (k, (xs, ws, o)) in cases.enumerated() {
            let x = randomTensor(xs, seed: UInt64(100 + k), requiresGrad: false)
            let w = randomTensor(ws, seed: UInt64(200 + k), requiresGrad: false)
            let b = randomTensor([ws[0]], seed: UInt64(300 + k), requiresGrad: false)
            assertClose(conv2d(x, weight: w, bias: b, options: o).scalars, naiveConv(x, w, b, o), atol: 1e-4, rtol: 1e-4)
        }
    }

    /// Output, input gradient and weight gradient of one conv (loss = Σ y), computed with the
    /// default workers and then with one.
    func withAllWorkersAndOne(_ x: Tensor, _ w: Tensor, _ o: Conv2dOptions) -> [(y: [Float], gx: [Float], gw: [Float])] {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        return [saved, 1].map { threads in
            Parallel.threads = threads
            x.grad = nil; w.grad = nil
            let y = conv2d(x, weight: w, options: o)
            y.sum().backward()
            return (y.scalars, x.grad!.scalars, w.grad!.scalars)
        }
    }

    /// One worker gives the results of two: a wide map (one image per chunk), small maps (many
    /// images per chunk), and a Winograd shape (16 images × 8 tiles = 128 tiles, 64 channels).
    func testSingleThreadMatchesParallel() throws {
        XCTAssertTrue(try ConvPlan.make(x: [16, 64, 8, 4], weight: [64, 64, 3, 3], bias: nil, options: .init(padding: 1)).isWinograd)
        for (xs, ws, scale) in [([6, 8, 10, 6], [16, 8, 3, 3], Float(1)), ([12, 16, 4, 3], [16, 16, 3, 3], 1),
                                ([16, 64, 8, 4], [64, 64, 3, 3], 0.2)] {
            let r = withAllWorkersAndOne(randomTensor(xs, seed: 5), randomTensor(ws, seed: 6, scale: scale), .init(padding: 1))
            assertClose(r[1].y, r[0].y, atol: 1e-5)
            assertClose(r[1].gx, r[0].gx, atol: 1e-4)
            assertClose(r[1].gw, r[0].gw, atol: 1e-3, rtol: 1e-4)
        }
        // Depthwise with images as lanes: per-task partials summed in a fixed order, so the
        // results are bit-identical for any thread count.
        let r = withAllWorkersAndOne(randomTensor([19, 24, 8, 4], seed: 7), randomTensor([24, 1, 3, 3], seed: 8),
                                     .init(stride: 2, padding: 1, groups: 24))
        XCTAssertEqual(r[1].y, r[0].y)
        XCTAssertEqual(r[1].gx, r[0].gx)
        XCTAssertEqual(r[1].gw, r[0].gw)
    }
}

final class PoolingForwardTests: XCTestCase {
    let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))

    func testMaxAndAvg() {
        XCTAssertEqual(maxPool2d(x, kernel: 2).scalars, [5, 7, 13, 15])
        XCTAssertEqual(avgPool2d(x, kernel: 2).scalars, [2.5, 4.5, 10.5, 12.5])
        // 3×3, stride 2, padding 1 (ResNet stem pool): windows clipped at the border.
        XCTAssertEqual(maxPool2d(x, kernel: 3, stride: 2, padding: 1).scalars, [5, 7, 13, 15])
        // Windows cover x[0..1][0..1] (sum 10, 4 cells), x[0..1][1..3] (24, 6), x[1..3][0..1] (51, 6),
        // x[1..3][1..3] (90, 9); the divisor is 9 with padding counted, the cell count without.
        assertClose(avgPool2d(x, kernel: 3, stride: 2, padding: 1).scalars, [10.0 / 9, 24.0 / 9, 51.0 / 9, 90.0 / 9])
        assertClose(avgPool2d(x, kernel: 3, stride: 2, padding: 1, countIncludePad: false).scalars, [2.5, 4, 8.5, 10])
    }

    func testGlobalPools() {
        let y = Tensor(shape: [1, 2, 1, 3], scalars: [1, 5, 3, -1, -2, -3])
        XCTAssertEqual(globalAvgPool2d(y).scalars, [3, -2])
        XCTAssertEqual(globalAvgPool2d(y).shape, [1, 2])
        XCTAssertEqual(globalMaxPool2d(y).scalars, [5, -1])
    }
}

final class NormForwardTests: XCTestCase {
    func testBatchNormTrainAndRunningStats() {
        // One channel, values 1 and 3: mean 2, biased variance 1, unbiased 2.
        let x = Tensor(shape: [2, 1], scalars: [1, 3])
        let rm = Tensor([0]), rv = Tensor([1])
        let y = batchNorm(x, runningMean: rm, runningVar: rv, weight: Tensor([2]), bias: Tensor([0.5]),
                          training: true, momentum: 0.1, eps: 0)
        assertClose(y.scalars, [-1.5, 2.5])
        assertClose(rm.scalars, [0.2])          // 0.9·0 + 0.1·2
        assertClose(rv.scalars, [1.1])          // 0.9·1 + 0.1·2
    }

    func testBatchNormEvalUsesRunningStats() {
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let y = batchNorm(x, runningMean: Tensor([1, 2]), runningVar: Tensor([4, 0.25]), weight: nil, bias: nil,
                          training: false, eps: 0)
        assertClose(y.scalars, [0, 0.5, 2, 4])
    }

    func testBatchNorm2dPerChannel() {
        // Channel statistics pool over batch and space.
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [0, 2, 10, 10, 4, 6, 10, 10])
        let y = batchNorm(x, runningMean: nil, runningVar: nil, weight: nil, bias: nil, training: true, eps: 0)
        // Channel 0 holds {0, 2, 4, 6}: mean 3, biased variance 5.
        let s = Float(5).squareRoot()
        assertClose(Array(y.scalars[0..<2]), [-3 / s, -1 / s])
        assertClose(Array(y.scalars[4..<6]), [1 / s, 3 / s])
    }

    func testInstanceNormPlanes() {
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, 10, 14])
        assertClose(instanceNorm2d(x, eps: 0).scalars, [-1, 1, -1, 1])
    }

    func testSoftmaxValues() {
        let x = Tensor(shape: [1, 3], scalars: [1000, 1001, 1002])   // stable against overflow
        let e = [Float(1), Float(M_E), Float(M_E * M_E)]
        let z = e.reduce(0, +)
        assertClose(x.softmax().scalars, e.map { $0 / z })
        assertClose(x.logSoftmax().scalars, e.map { Foundation.log($0 / z) }, atol: 1e-4)
    }

    func testDistances() {
        let a = Tensor(shape: [2, 2], scalars: [0, 0, 3, 4]), b = Tensor(shape: [1, 2], scalars: [3, 0])
        assertClose(pairwiseSquaredEuclidean(a, b).scalars, [9, 16])
        let c = Tensor(shape: [2, 2], scalars: [1, 0, 0, 2])
        assertClose(pairwiseCosineDistance(c, c).scalars, [0, 1, 1, 0], atol: 1e-6)
    }
}
