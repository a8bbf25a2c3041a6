// The channel-lane depthwise kernel (DepthwiseChannels.swift, CKernels depthwise_channels.c)
// against a direct loop in Double, and bit for bit against the per-plane kernel (and the
// images-as-lanes kernel where it applies) followed by the epilogue pass: odd map sizes, strides
// 1 and 2, rectangular kernels and strides, padding 0–2, dilation, batch 1, channel counts that
// are not multiples of 16, with and without a bias, with no epilogue, BN, BN + ReLU, BN + ReLU6.
import XCTest
@testable import Tensor
import TestSupport

final class DepthwiseChannelsTests: XCTestCase {
    /// (x shape, kernel, stride, padding, dilation)
    typealias Case = ([Int], (Int, Int), (Int, Int), (Int, Int), (Int, Int))
    let cases: [Case] = [
        ([1, 16, 32, 16], (3, 3), (1, 1), (1, 1), (1, 1)), ([1, 48, 32, 16], (3, 3), (2, 2), (1, 1), (1, 1)),
        ([2, 17, 7, 5], (3, 3), (1, 1), (1, 1), (1, 1)), ([3, 35, 9, 6], (3, 3), (2, 2), (1, 1), (1, 1)),
        ([1, 5, 4, 2], (3, 3), (1, 1), (1, 1), (1, 1)), ([9, 24, 8, 4], (3, 3), (1, 1), (1, 1), (1, 1)),
        ([8, 20, 4, 2], (3, 3), (2, 2), (1, 1), (1, 1)), ([2, 19, 11, 13], (5, 3), (2, 1), (2, 0), (1, 1)),
        ([1, 33, 10, 9], (3, 3), (1, 2), (2, 2), (2, 2)), ([2, 2, 3, 3], (3, 3), (1, 1), (0, 0), (1, 1)),
        ([1, 16, 1, 1], (3, 3), (1, 1), (1, 1), (1, 1)),
    ]

    func plan(_ c: Case) -> ConvPlan {
        let o = Conv2dOptions(stride: c.2, padding: c.3, dilation: c.4, groups: c.0[1])
        return try! ConvPlan.make(x: c.0, weight: [c.0[1], 1, c.1.0, c.1.1], bias: [c.0[1]], options: o)
    }

    /// Direct depthwise loop in Double, bias added.
    func reference(_ p: ConvPlan, _ x: [Float], _ w: [Float], _ b: [Float]?) -> [Float] {
        let g = p.geo, kk = g.kernelH * g.kernelW
        var y = [Float](repeating: 0, count: p.n * p.cout * p.hwo)
        for n in 0..<p.n { for c in 0..<p.cin { for oy in 0..<p.ho { for ox in 0..<p.wo {
            var acc = Double(b?[c] ?? 0)
            for ki in 0..<g.kernelH { for kj in 0..<g.kernelW {
                let iy = oy * g.strideH - g.padH + ki * g.dilationH, ix = ox * g.strideW - g.padW + kj * g.dilationW
                guard iy >= 0, iy < p.h, ix >= 0, ix < p.w else { continue }
                acc += Double(x[((n * p.cin + c) * p.h + iy) * p.w + ix]) * Double(w[c * kk + ki * g.kernelW + kj])
            } }
            y[((n * p.cout + c) * p.ho + oy) * p.wo + ox] = Float(acc)
        } } } }
        return y
    }

    func epilogues(_ c: Int, seed: UInt64) -> [ConvEpilogue?] {
        var rng = RandomGenerator(seed: seed)
        let mean = Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng), variance = Tensor.uniform([c], low: 0.2, high: 2, rng: &rng)
        let gamma = Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng), beta = Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng)
        let e = { (relu: Bool, cap: Float) in
            ConvEpilogue(runningMean: mean, runningVar: variance, weight: gamma, bias: beta, eps: 1e-5, relu: relu, reluMax: cap)
        }
        return [nil, e(false, .infinity), e(true, .infinity), e(true, 6)]
    }

    func testAgainstDirectLoopAndOtherKernels() throws {
        try XCTSkipUnless(DepthwiseChannels.enabled, "no AVX-512 here or REIDKD_DW=planes: the kernel is not used")
        for (k, c) in cases.enumerated() {
            let p = plan(c), kk = c.1.0 * c.1.1
            XCTAssertTrue(usesDepthwiseChannels(p))
            let x = randomTensor(c.0, seed: UInt64(50 + k), requiresGrad: false)
            let w = randomTensor([p.cin, 1, c.1.0, c.1.1], seed: UInt64(60 + k), scale: 0.3, requiresGrad: false)
            let b = randomTensor([p.cin], seed: UInt64(70 + k), requiresGrad: false)
            for bias in [nil, b] {
                let ref = reference(p, x.scalars, w.scalars, bias?.scalars)
                for (j, e) in epilogues(p.cin, seed: UInt64(80 + k)).enumerated() {
                    let label = "case \(k) \(c.0) kernel \(c.1) stride \(c.2) bias \(bias != nil) epilogue \(j)"
                    let fast = Tensor.empty([p.n, p.cout, p.ho, p.wo]), plane = Tensor.empty(fast.shape)
                    depthwiseChannelsForward(p, x.pointer, w.pointer, bias?.pointer, fast.pointer, epilogue: e)
                    depthwiseForward(p, x.pointer, w.pointer, bias?.pointer, plane.pointer)
                    var lanes: Tensor? = nil
                    if usesDepthwiseLanes(p) {
                        let t = Tensor.empty(fast.shape)
                        depthwiseLanesForward(p, x.pointer, w.pointer, bias?.pointer, t.pointer)
                        lanes = t
                    }
                    for other in [plane, lanes].compactMap({ $0 }) {
                        if let e { e.apply(other.pointer, images: 0, count: p.n, channels: p.cout, plane: p.hwo) }
                        XCTAssertEqual(fast.scalars, other.scalars, label)
                    }
                    if e == nil { assertClose(fast.scalars, ref, atol: 1e-5, rtol: 1e-5) }
                    XCTAssertTrue(kk > 0 && fast.scalars.allSatisfy { $0.isFinite }, label)
                }
            }
        }
    }

    /// A block's lanes past the last channel and the padded border never leak between calls:
    /// a large-valued convolution followed by a small one of the same geometry on the same worker.
    func testScratchReuseAcrossTasks() throws {
        try XCTSkipUnless(DepthwiseChannels.enabled, "no AVX-512 here or REIDKD_DW=planes: the kernel is not used")
        let c: Case = ([3, 21, 6, 5], (3, 3), (1, 1), (1, 1), (1, 1))
        let p = plan(c)
        var x = randomTensor(c.0, seed: 91, requiresGrad: false).scalars
        for i in 0..<(p.h * p.w * p.cin) { x[i] *= 1e6 }   // image 0 huge, images 1 and 2 ordinary
        let xt = Tensor(shape: c.0, scalars: x), w = randomTensor([p.cin, 1, 3, 3], seed: 92, requiresGrad: false)
        let y = Tensor.empty([p.n, p.cout, p.ho, p.wo])
        let saved = Parallel.threads
        Parallel.threads = 1   // every task on one worker, one scratch buffer
        defer { Parallel.threads = saved }
        depthwiseChannelsForward(p, xt.pointer, w.pointer, nil, y.pointer, epilogue: nil)
        assertClose(y.scalars, reference(p, x, w.scalars, nil), atol: 1e-2, rtol: 1e-5)
    }
}
