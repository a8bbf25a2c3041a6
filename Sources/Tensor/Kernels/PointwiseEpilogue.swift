// A 1×1 convolution's eval forward: one packing-free product per image straight into y, the
// eval-mode BN and ReLU/ReLU6 applied as each tile leaves its registers
// (reidkd_direct_sgemm_nn_affine). The general path (convForward) gathers a chunk of images'
// columns into one wide product (for maps under 128 positions), copies the product's rows back
// into each image's planes and then runs the epilogue over planes of 8–32 values: perf on
// MobileNetV2 ×0.5 at batch 64 put those copies and short passes at ≈ 22% of the forward. Each
// output is the same sum over k in the same order as the direct kernel computes it in any tiling,
// and the same two roundings of the epilogue, so results are bit-identical. Taken only when the
// general path would also have run the direct kernel (no OpenBLAS product to match), without a
// conv bias, outside bf16 scopes. REIDKD_PW=chunks turns it off (A/B runs).
import Foundation
import CKernels

public enum PointwiseEpilogue {
    nonisolated(unsafe) public static var enabled: Bool = ProcessInfo.processInfo.environment["REIDKD_PW"] != "chunks"
    /// Largest weight matrix (Cout·Cin floats, 128 KB) a layer runs image by image on maps the
    /// general path would chunk: a product per image streams all of W once per 32 columns, i.e.
    /// once per image on a 4×2 map against once per 32 columns of 16–64 images in a chunk.
    /// ResNet-50 ×0.5 at batch 64, 64×32 ran 0.81× as fast with its 1024×256 products per image
    /// and 0.93–0.98× with every W ≤ 512 KB per image (medians, bench_ab.py).
    static let perImageWeights = 1 << 15
    /// The same bound inside MobileNetV2's block op (InvertedResidualEval.swift), where running
    /// image by image also keeps the block's activations in L2: W ≤ 512 KB.
    static let perImageWeightsInBlock = 1 << 17
}

/// Whether conv2d(epilogue:) runs this plan per image with the fused epilogue.
func usesPointwiseEpilogue(_ p: ConvPlan, hasBias: Bool, perImageWeights: Int = PointwiseEpilogue.perImageWeights) -> Bool {
    guard PointwiseEpilogue.enabled, DirectGEMM.enabled, !hasBias, p.isPointwise, p.groups == 1,
          BLAS.bf16Depth == 0,
          p.n == 1 || p.hwo >= ConvTuning.pointwiseDirect || p.cout * p.cin <= perImageWeights else { return false }
    return DirectGEMM.takes(p.cout, p.hwo, p.cin) && DirectGEMM.takes(p.cout, p.chunk * p.hwo, p.cin)
}

func pointwiseEpilogueForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, _ e: ConvEpilogue) {
    let inImg = p.cin * p.hwo, outImg = p.cout * p.hwo
    e.scale.withUnsafeBufferPointer { sp in
    e.shift.withUnsafeBufferPointer { tp in
        let s = sp.baseAddress!, t = tp.baseAddress!
        let run = { (b: Int, m0: Int, m1: Int) in
            let done = reidkd_direct_sgemm_nn_affine(m1 - m0, p.hwo, p.cin, w + m0 * p.cin, p.cin, x + b * inImg, p.hwo,
                                                     y + b * outImg + m0 * p.hwo, p.hwo, DirectGEMM.strip16MaxA, s + m0, t + m0,
                                                     e.relu ? 1 : 0, e.reluMax)
            precondition(done != 0, "pointwise epilogue: this build has no AVX-512 code (set REIDKD_PW=chunks)")
        }
        if p.n == 1 {
            // One image: its output rows split over the workers, as BLAS.sgemm splits a product.
            let parts = p.cout * p.hwo * p.cin >= 1 << 21 ? Parallel.parts(p.cout, grain: 32) : 1
            Parallel.run(tasks: parts) { k in run(0, p.cout * k / parts, p.cout * (k + 1) / parts) }
        } else {
            Parallel.forRange(p.n, grain: Swift.max(1, 65_536 / Swift.max(p.cout * p.hwo * p.cin, 1))) { images in
                for b in images { run(b, 0, p.cout) }
            }
        }
    }
    }
}
