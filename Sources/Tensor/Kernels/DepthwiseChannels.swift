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

/// One depthwise layer ready for the kernel: its geometry and, per block of 16 channels, the
/// filter, bias and epilogue packed 16 lanes wide (lanes past the last channel zero), built once
/// per call so the kernel only loads vectors.
struct DepthwiseChannelsLayer {
    let plan: ConvPlan, geo: reidkd_dw_geometry, packed: Storage
    let kk: Int, blocks: Int, affine: Bool

    init(_ p: ConvPlan, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, epilogue: ConvEpilogue?) {
        let g = p.geo, l = DepthwiseChannels.lanes
        plan = p
        kk = g.kernelH * g.kernelW
        blocks = (p.cin + l - 1) / l
        affine = epilogue != nil
        geo = reidkd_dw_geometry(h: p.h, w: p.w, ho: p.ho, wo: p.wo, kernelH: g.kernelH, kernelW: g.kernelW,
                                 strideH: g.strideH, strideW: g.strideW, padH: g.padH, padW: g.padW,
                                 dilationH: g.dilationH, dilationW: g.dilationW,
                                 relu: epilogue?.relu == true ? 1 : 0, reluMax: epilogue?.reluMax ?? .infinity)
        let buffer = Storage(count: blocks * (kk + 3) * l), taps = kk
        let scale = epilogue?.scale ?? [], shift = epilogue?.shift ?? []
        scale.withUnsafeBufferPointer { sp in
        shift.withUnsafeBufferPointer { tp in
            reidkd_depthwise16_pack(p.cin, taps, w, bias, epilogue == nil ? nil : sp.baseAddress,
                                    epilogue == nil ? nil : tp.baseAddress, buffer.pointer)
        }
        }
        packed = buffer
    }

    /// Floats of the zero-padded scratch a worker hands to `run` (zeroed once, then reused).
    var padCount: Int { (plan.h + 2 * plan.geo.padH) * (plan.w + 2 * plan.geo.padW) * DepthwiseChannels.lanes }

    /// Block `b` of `count` images: image i's planes at x + i·xImage, its outputs at y + i·yImage
    /// (both pointing at the block's first channel).
    func run(block b: Int, images count: Int, _ x: UnsafePointer<Float>, xImage: Int,
             _ y: UnsafeMutablePointer<Float>, yImage: Int, pad: UnsafeMutablePointer<Float>) {
        let l = DepthwiseChannels.lanes, blk = packed.pointer + b * (kk + 3) * l
        var g = geo
        let done = reidkd_depthwise16(&g, Int32(Swift.min(l, plan.cin - b * l)), count, x, xImage, blk, blk + kk * l,
                                      affine ? blk + (kk + 1) * l : nil, affine ? blk + (kk + 2) * l : nil, y, yImage, pad)
        precondition(done != 0, "depthwise channel kernel: this build has no AVX-512 code (set REIDKD_DW=planes)")
    }
}

/// y = depthwise(x) + bias, then `epilogue` per channel, for (image, 16-channel block) tasks
/// spread over the workers. The caller checks `usesDepthwiseChannels`.
func depthwiseChannelsForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue?) {
    let layer = DepthwiseChannelsLayer(p, w, bias, epilogue: epilogue)
    let l = DepthwiseChannels.lanes, hw = p.h * p.w, hwo = p.hwo
    // Task block·N + image: runs of consecutive images of one block go to the kernel in one call
    // (its filter stays in registers). A task is ≈ 16·HoWo·kk multiply-adds.
    let grain = Swift.max(1, 8192 / Swift.max(l * hwo * layer.kk, 1))
    Parallel.forRange(layer.blocks * p.n, grain: grain) { tasks in
        let pad = Storage(zeros: layer.padCount)
        var task = tasks.lowerBound
        while task < tasks.upperBound {
            let b = task / p.n, n0 = task % p.n, count = Swift.min(p.n - n0, tasks.upperBound - task)
            layer.run(block: b, images: count, x + (n0 * p.cin + b * l) * hw, xImage: p.cin * hw,
                      y + (n0 * p.cout + b * l) * hwo, yImage: p.cout * hwo, pad: pad.pointer)
            task += count
        }
    }
}
