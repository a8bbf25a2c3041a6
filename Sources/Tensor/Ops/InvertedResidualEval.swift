// MobileNetV2's inverted residual block (1×1 expand → BN → ReLU6 → 3×3 depthwise → BN → ReLU6
// → 1×1 project → BN, + x when it has a shortcut) as one eval op, image by image.
// Layer by layer, each of the block's activations is written for the whole batch and read back
// by the next layer from L3 (the expanded maps of a batch of 64 are 2–6 MB); image by image the
// expanded and depthwise outputs of one image (≤ 200 KB) stay in L2 between the three kernels,
// the block's weights stay in L2 across the images, and the shortcut is added as the output is
// written. The kernels and their arithmetic are the layer path's (PointwiseEpilogue.swift,
// DepthwiseChannels.swift), so the output is bit-identical to it. For forwards that record
// nothing, with eval-mode BatchNorms; REIDKD_BLOCK=layers turns it off (A/B runs).
import Foundation
import CKernels

/// A conv without bias and the eval-mode BN (+ clamp) after it.
public struct FusedConv {
    public let weight: Tensor, options: Conv2dOptions, epilogue: ConvEpilogue
    public init(weight: Tensor, options: Conv2dOptions, epilogue: ConvEpilogue) {
        self.weight = weight; self.options = options; self.epilogue = epilogue
    }
}

public enum InvertedResidualEval {
    nonisolated(unsafe) public static var enabled: Bool = ProcessInfo.processInfo.environment["REIDKD_BLOCK"] != "layers"
}

/// The block's output, or nil when its kernels cannot take these shapes (no AVX-512, a bias,
/// a product the general path would give to OpenBLAS, one image on several workers): the
/// caller then runs the layers.
public func invertedResidualEval(_ x: Tensor, expand: FusedConv?, depthwise: FusedConv, project: FusedConv,
                                 shortcut: Bool) -> Tensor? {
    guard InvertedResidualEval.enabled, x.shape.count == 4, !(x.shape[0] == 1 && Parallel.threads > 1) else { return nil }
    let n = x.shape[0]
    var hiddenShape = x.shape
    var pe: ConvPlan? = nil
    if let e = expand {
        guard let plan = try? ConvPlan.make(x: x.shape, weight: e.weight.shape, bias: nil, options: e.options),
              usesPointwiseEpilogue(plan, hasBias: false, perImageWeights: PointwiseEpilogue.perImageWeightsInBlock) else { return nil }
        pe = plan
        hiddenShape = [n, plan.cout, plan.ho, plan.wo]
    }
    guard let pd = try? ConvPlan.make(x: hiddenShape, weight: depthwise.weight.shape, bias: nil, options: depthwise.options),
          usesDepthwiseChannels(pd),
          let pp = try? ConvPlan.make(x: [n, pd.cout, pd.ho, pd.wo], weight: project.weight.shape, bias: nil, options: project.options),
          usesPointwiseEpilogue(pp, hasBias: false, perImageWeights: PointwiseEpilogue.perImageWeightsInBlock) else { return nil }
    if shortcut && [n, pp.cout, pp.ho, pp.wo] != x.shape { return nil }
    let y = Tensor.empty([n, pp.cout, pp.ho, pp.wo])
    let dw = DepthwiseChannelsLayer(pd, depthwise.weight.pointer, nil, epilogue: depthwise.epilogue)
    let xp = UnsafePointer(x.pointer), yp = y.pointer, l = DepthwiseChannels.lanes
    let hw = pd.h * pd.w, hwo = pd.hwo, hidden = pd.cin
    let inImage = x.shape[1] * x.shape[2] * x.shape[3], outImage = pp.cout * hwo
    let we = expand?.weight.pointer, wp = project.weight.pointer
    withEpilogue(expand?.epilogue) { es, et in
    withEpilogue(project.epilogue) { ps, pt in
        Parallel.forRange(n, grain: 1) { images in
            let expanded = pe == nil ? nil : Storage(count: hidden * hw)
            let mid = Storage(count: hidden * hwo), pad = Storage(zeros: dw.padCount)
            for b in images {
                let xb = xp + b * inImage
                var dwIn = xb
                if let p = pe, let e = expand, let buf = expanded {
                    let done = reidkd_direct_sgemm_nn_affine(p.cout, p.hwo, p.cin, we!, p.cin, xb, p.hwo, buf.pointer, p.hwo, DirectGEMM.strip16MaxA,
                                                             es!, et!, e.epilogue.relu ? 1 : 0, e.epilogue.reluMax)
                    precondition(done != 0, "inverted residual: this build has no AVX-512 code (set REIDKD_BLOCK=layers)")
                    dwIn = UnsafePointer(buf.pointer)
                }
                for blk in 0..<dw.blocks {
                    dw.run(block: blk, images: 1, dwIn + blk * l * hw, xImage: 0, mid.pointer + blk * l * hwo, yImage: 0, pad: pad.pointer)
                }
                let yb = yp + b * outImage
                let done = reidkd_direct_sgemm_nn_affine(pp.cout, hwo, hidden, wp, hidden, mid.pointer, hwo, yb, hwo, DirectGEMM.strip16MaxA,
                                                         ps!, pt!, project.epilogue.relu ? 1 : 0, project.epilogue.reluMax)
                precondition(done != 0, "inverted residual: this build has no AVX-512 code (set REIDKD_BLOCK=layers)")
                // x + conv(x), as the layer path adds them.
                if shortcut { for i in 0..<outImage { yb[i] = xb[i] + yb[i] } }
            }
        }
    }
    }
    return y
}

/// Calls body with the epilogue's scale and shift pointers (nil for none).
private func withEpilogue(_ e: ConvEpilogue?, _ body: (UnsafePointer<Float>?, UnsafePointer<Float>?) -> Void) {
    guard let e else { body(nil, nil); return }
    e.scale.withUnsafeBufferPointer { s in e.shift.withUnsafeBufferPointer { t in body(s.baseAddress, t.baseAddress) } }
}
