// The fused 1×1 eval forward (PointwiseEpilogue.swift, reidkd_direct_sgemm_nn_affine) bit for
// bit against the general conv forward followed by its epilogue: map sizes below, at and above
// the 8/16/32-column tiles (odd ones included), batch 1 (also split over the workers) and odd
// batches, channel counts off the 4/8/12/24-row tiles, BN alone, BN + ReLU, BN + ReLU6.
import XCTest
@testable import Tensor
import TestSupport

final class PointwiseEpilogueTests: XCTestCase {
    func testBitIdenticalToGeneralPath() throws {
        try XCTSkipUnless(DirectGEMM.enabled && PointwiseEpilogue.enabled, "no packing-free kernel here: the path is not used")
        // (n, cin, cout, h, w)
        let cases: [(Int, Int, Int, Int, Int)] = [
            (1, 16, 8, 32, 16), (64, 80, 480, 4, 2), (5, 48, 288, 4, 2), (3, 96, 16, 8, 4), (1, 160, 1280, 4, 2),
            (2, 7, 29, 3, 5), (1, 128, 256, 8, 8), (4, 33, 13, 1, 1), (2, 24, 50, 12, 11), (9, 5, 3, 2, 2),
        ]
        var rng = RandomGenerator(seed: 3)
        for (k, (n, cin, cout, h, w)) in cases.enumerated() {
            let p = try ConvPlan.make(x: [n, cin, h, w], weight: [cout, cin, 1, 1], bias: nil, options: Conv2dOptions())
            XCTAssertTrue(usesPointwiseEpilogue(p, hasBias: false, perImageWeights: 1 << 17), "case \(k)")
            XCTAssertFalse(usesPointwiseEpilogue(p, hasBias: true), "case \(k)")
            let x = randomTensor([n, cin, h, w], seed: UInt64(10 + k), requiresGrad: false)
            let wt = randomTensor([cout, cin, 1, 1], seed: UInt64(20 + k), scale: 0.2, requiresGrad: false)
            let mean = Tensor.uniform([cout], low: -0.5, high: 0.5, rng: &rng), variance = Tensor.uniform([cout], low: 0.2, high: 2, rng: &rng)
            let gamma = Tensor.uniform([cout], low: 0.5, high: 1.5, rng: &rng), beta = Tensor.uniform([cout], low: -0.5, high: 0.5, rng: &rng)
            for (relu, cap) in [(false, Float.infinity), (true, .infinity), (true, 6)] {
                let e = ConvEpilogue(runningMean: mean, runningVar: variance, weight: gamma, bias: beta, eps: 1e-5, relu: relu, reluMax: cap)
                let fused = Tensor.empty([n, cout, h, w]), general = Tensor.empty([n, cout, h, w])
                pointwiseEpilogueForward(p, x.pointer, wt.pointer, fused.pointer, e)
                convForward(p, x.pointer, wt.pointer, nil, general.pointer, epilogue: e)
                XCTAssertEqual(fused.scalars, general.scalars, "case \(k) relu \(relu) cap \(cap)")
            }
        }
    }
}
