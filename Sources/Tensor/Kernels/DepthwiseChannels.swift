// Depthwise convolution with channels as SIMD lanes (CKernels, depthwise_channels.c), for
// forwards that record nothing: blocks of 16 channels of one image per call, the eval-mode BN
// and ReLU6 (ConvEpilogue) applied as each output leaves the registers. Results are
// bit-identical to the per-plane and images-as-lanes kernels (same sums in the same order) and
// to their separate epilogue pass. The training path keeps those kernels (their backward is
// written against their layouts). REIDKD_DW=planes turns this kernel off (A/B runs).
import Foundation
import CKernels

public enum DepthwiseChannels {
    /// The CPU has AVX-512 (with OS support) and REIDKD_DW does not say "planes".
    nonisolated(unsafe) public static var enabled: Bool =
        CPUFeatures.host.tier == .avx512 && ProcessInfo.processInfo.environment["REIDKD_DW"] != "planes"
    static let lanes = 16
    /// Most taps the kernel keeps in registers (kH·kW).
    static let maxTaps = 64
}

/// Whether a depthwise convolution can take the channel-lane kernel.
func usesDepthwiseChannels(_ p: ConvPlan) -> Bool {
    DepthwiseChannels.enabled && p.isDepthwise && p.geo.kernelH * p.geo.kernelW <= DepthwiseChannels.maxTaps
}

/// y = depthwise(x) + bias, then `epilogue` per channel, for (image, 16-channel block) tasks
/// spread over the workers. The caller checks `usesDepthwiseChannels`.
func depthwiseChannelsForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue?) {
    let g = p.geo, l = DepthwiseChannels.lanes, kk = g.kernelH * g.kernelW
    let geo = reidkd_dw_geometry(h: p.h, w: p.w, ho: p.ho, wo: p.wo, kernelH: g.kernelH, kernelW: g.kernelW,
                                 strideH: g.strideH, strideW: g.strideW, padH: g.padH, padW: g.padW,
                                 dilationH: g.dilationH, dilationW: g.dilationW,
                                 relu: epilogue?.relu == true ? 1 : 0, reluMax: epilogue?.reluMax ?? .infinity)
    let blocks = (p.cin + l - 1) / l, hw = p.h * p.w, hwo = p.hwo
    let padCount = (p.h + 2 * g.padH) * (p.w + 2 * g.padW) * l
    // Per block, 16 lanes wide (lanes past the last channel zero): the kk tap vectors, the bias,
    // the epilogue's scale and shift. Built once per call, so the kernel only loads vectors.
    let stride = (kk + 3) * l
    let packed = Storage(count: blocks * stride), pk = packed.pointer
    let scale = epilogue?.scale ?? [], shift = epilogue?.shift ?? []
    scale.withUnsafeBufferPointer { sp in
    shift.withUnsafeBufferPointer { tp in
        reidkd_depthwise16_pack(p.cin, kk, w, bias, epilogue == nil ? nil : sp.baseAddress, epilogue == nil ? nil : tp.baseAddress, pk)
    }
    }
    let affine = epilogue != nil
    // Task block·N + image: runs of consecutive images of one block go to the kernel in one call
    // (its filter stays in registers). A task is ≈ 16·HoWo·kk multiply-adds.
    let grain = Swift.max(1, 8192 / Swift.max(l * hwo * kk, 1))
    Parallel.forRange(blocks * p.n, grain: grain) { tasks in
        let pad = Storage(zeros: padCount)
        var gw = geo   // one per worker: the C call takes it by pointer
        var task = tasks.lowerBound
        while task < tasks.upperBound {
            let b = task / p.n, n0 = task % p.n, count = Swift.min(p.n - n0, tasks.upperBound - task)
            let c0 = b * l, nc = Swift.min(l, p.cin - c0), blk = pk + b * stride
            let done = reidkd_depthwise16(&gw, Int32(nc), count, x + (n0 * p.cin + c0) * hw, p.cin * hw,
                                          blk, blk + kk * l, affine ? blk + (kk + 1) * l : nil, affine ? blk + (kk + 2) * l : nil,
                                          y + (n0 * p.cout + c0) * hwo, p.cout * hwo, pad.pointer)
            precondition(done != 0, "depthwise channel kernel: this build has no AVX-512 code (set REIDKD_DW=planes)")
            task += count
        }
    }
}
