// Winograd F(2×2, 3×3) path of conv2d for stride-1, undilated, ungrouped 3×3 convolutions with
// enough channels (transforms: Kernels/WinogradTransforms.swift). It does 16 multiplies per
// 2×2 output tile and input channel instead of 36, so the GEMM work of the forward, the input
// gradient and the weight gradient each drops 2.25×, for transforms that read and write each
// activation a few times. Per chunk of images (V: 16 × Cin × tiles, M: 16 × Cout × tiles):
//   forward   V = Bᵀ x B (per plane) → M_ξ = U_ξ · V_ξ (16 GEMMs) → y = Aᵀ M A (per plane)
//   backward  dM = A dy Aᵀ, V again (per plane) → dU_ξ += dM_ξ · V_ξᵀ and dV_ξ = U_ξᵀ · dM_ξ
//             (16 GEMM pairs) → dx = B dV Bᵀ (per plane); after all chunks dW = Gᵀ dU G.
// Planes and ξ are split over the workers; each ξ's dU is owned by one worker, so the sum over
// chunks runs in a fixed order (deterministic for any thread count).
//
// Accuracy: the transforms add and halve values of the same magnitude; measured against a
// Double reference the error stays within the im2col path's tolerance (ConvPathTests).
import Foundation

/// Which conv algorithm stride-1 3×3 convolutions use; benchmarks and tests switch it.
public enum ConvAlgorithm: Sendable {
    case im2col, winograd
    /// Process-wide choice (`REIDKD_CONV=im2col` to force the im2col path).
    nonisolated(unsafe) public static var threeByThree: ConvAlgorithm =
        ProcessInfo.processInfo.environment["REIDKD_CONV"] == "im2col" ? .im2col : .winograd
    /// Winograd from this many input and output channels on: below, its 16 GEMMs (K or M =
    /// channels) run too far under sgemm speed to repay the transforms (`reidkd-bench conv`).
    nonisolated(unsafe) public static var winogradMinChannels = 64
    /// ... and from this many 2×2 output tiles per call (images × tiles per image) on: below, the
    /// weight transform and 16 narrow GEMMs cost more than they save (`reidkd-bench conv`,
    /// small-batch table: from ~128 tiles Winograd's forward is as fast or faster).
    nonisolated(unsafe) public static var winogradMinTiles = 128

    /// Whether a stride-1, undilated, ungrouped 3×3 conv with this shape (any padding ≤ 2, `h × w`
    /// output) takes `algorithm`.
    public static func uses(_ algorithm: ConvAlgorithm, images: Int, cin: Int, cout: Int, h: Int, w: Int) -> Bool {
        let tiles = images * ((h + 1) / 2) * ((w + 1) / 2)
        let winograd = threeByThree == .winograd && Swift.min(cin, cout) >= winogradMinChannels && tiles >= winogradMinTiles
        return (algorithm == .winograd) == winograd
    }
}

extension ConvPlan {
    /// 3×3, stride 1, no dilation, one group, padding ≤ 2 (tile reads stay in the padded plane),
    /// and channels and tiles enough for the 16 GEMMs to pay (ConvAlgorithm.uses).
    var isWinograd: Bool {
        groups == 1 && geo.kernelH == 3 && geo.kernelW == 3 && geo.strideH == 1 && geo.strideW == 1
            && geo.dilationH == 1 && geo.dilationW == 1 && geo.padH <= 2 && geo.padW <= 2
            && ConvAlgorithm.uses(.winograd, images: n, cin: cin, cout: cout, h: ho, w: wo)
    }

    func winogradTiles(lanes: Int) -> WinogradTiles {
        WinogradTiles(h: h, w: w, ho: ho, wo: wo, padH: geo.padH, padW: geo.padW, lanes: lanes)
    }

    /// Images per Winograd chunk: the transformed tensors stay within `winogradBudget` floats,
    /// rounded down to a multiple of `winogradLanes` images (but at least that many).
    var winogradChunk: Int {
        let perImage = 16 * Swift.max(cin, cout) * winogradTiles(lanes: 1).perImage
        let lanes = Swift.max(1, ConvTuning.winogradLanes)
        let fit = ConvTuning.winogradBudget / Swift.max(perImage, 1)
        return Swift.max(1, Swift.min(n, Swift.max(lanes, fit / lanes * lanes)))
    }
}

/// U (16 × Cout × Cin) from the weights, output channels split over the workers. The forward
/// keeps it for the backward.
func winogradWeights(_ p: ConvPlan, _ w: UnsafePointer<Float>) -> Storage {
    let u = Storage(count: 16 * p.cout * p.cin)
    Parallel.forRange(p.cout, grain: 8) { r in
        winogradWeightTransform(w, cout: p.cout, cin: p.cin, u.pointer, channels: r.lowerBound, r.upperBound)
    }
    return u
}

/// The chunks of images b0 ..< b0 + lanes, each with its tile geometry.
private func forEachWinogradChunk(_ p: ConvPlan, _ body: (_ b0: Int, _ tl: WinogradTiles) -> Void) {
    let cbMax = p.winogradChunk
    var b0 = 0
    while b0 < p.n {
        let cb = Swift.min(cbMax, p.n - b0)
        body(b0, p.winogradTiles(lanes: cb))
        b0 += cb
    }
}

/// V = Bᵀ x B for the chunk's images into v (16 × Cin × T), channels split over the workers.
private func transformInput(_ p: ConvPlan, _ tl: WinogradTiles, _ x: UnsafePointer<Float>, b0: Int,
                            _ v: UnsafeMutablePointer<Float>) {
    let hw = p.h * p.w, t = tl.t
    Parallel.forRange(p.cin, grain: 2) { channels in
        let buf = Storage(zeros: tl.inputBufferCount)
        for c in channels {
            tl.inputTransform(x + (b0 * p.cin + c) * hw, imageStride: p.cin * hw, v + c * t, xiStride: p.cin * t, p: buf.pointer)
        }
    }
}

func winogradForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ u: Storage,
                     _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue? = nil) {
    let cbMax = p.winogradChunk, tiles = p.winogradTiles(lanes: 1).perImage, hwo = p.hwo
    let v = Storage(count: 16 * p.cin * cbMax * tiles), m = Storage(count: 16 * p.cout * cbMax * tiles)
    forEachWinogradChunk(p) { b0, tl in
        let t = tl.t
        transformInput(p, tl, x, b0: b0, v.pointer)
        Parallel.forRange(16) { xis in
            for xi in xis {
                // M_ξ (Cout × T) = U_ξ (Cout × Cin) · V_ξ (Cin × T)
                BLAS.sgemmSerial(false, false, p.cout, t, p.cin, 1, u.pointer + xi * p.cout * p.cin, p.cin,
                                 v.pointer + xi * p.cin * t, t, 0, m.pointer + xi * p.cout * t, t)
            }
        }
        Parallel.forRange(p.cout, grain: 2) { channels in
            let q = Storage(count: tl.outputBufferCount)
            for co in channels {
                tl.outputTransform(m.pointer + co * t, xiStride: p.cout * t, bias: bias?[co] ?? 0,
                                   y + (b0 * p.cout + co) * hwo, imageStride: p.cout * hwo, q: q.pointer)
                if let e = epilogue {
                    for b in b0..<(b0 + tl.lanes) { e.apply(y + (b * p.cout + co) * hwo, hwo, channel: co) }
                }
            }
        }
    }
}

/// dx, dW, db of the Winograd path (any may be nil); u is the forward's transformed weights.
/// dx is fully overwritten.
func winogradBackward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ u: Storage, _ dy: UnsafePointer<Float>,
                      _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?, _ db: UnsafeMutablePointer<Float>?) {
    let hw = p.h * p.w, hwo = p.hwo
    let cbMax = p.winogradChunk, tiles = p.winogradTiles(lanes: 1).perImage
    let du = dw == nil ? nil : Storage(zeros: 16 * p.cout * p.cin)
    let v = Storage(count: 16 * p.cin * cbMax * tiles), dm = Storage(count: 16 * p.cout * cbMax * tiles)
    if dx != nil || dw != nil {
        forEachWinogradChunk(p) { b0, tl in
            let t = tl.t
            if dw != nil { transformInput(p, tl, x, b0: b0, v.pointer) }
            Parallel.forRange(p.cout, grain: 2) { channels in
                let q = Storage(zeros: tl.outputBufferCount)
                for co in channels {
                    tl.outputGradientTransform(dy + (b0 * p.cout + co) * hwo, imageStride: p.cout * hwo,
                                               dm.pointer + co * t, xiStride: p.cout * t, q: q.pointer)
                }
            }
            Parallel.forRange(16) { xis in
                for xi in xis {
                    let dmXi = dm.pointer + xi * p.cout * t, vXi = v.pointer + xi * p.cin * t
                    if let du = du {
                        // dU_ξ (Cout × Cin) += dM_ξ (Cout × T) · V_ξᵀ (T × Cin)
                        BLAS.sgemmSerial(false, true, p.cout, p.cin, t, 1, dmXi, t, vXi, t, 1,
                                         du.pointer + xi * p.cout * p.cin, p.cin)
                    }
                    if dx != nil {
                        // dV_ξ (Cin × T) = U_ξᵀ (Cin × Cout) · dM_ξ (Cout × T), over V_ξ (no longer needed)
                        BLAS.sgemmSerial(true, false, p.cin, t, p.cout, 1, u.pointer + xi * p.cout * p.cin, p.cin,
                                         dmXi, t, 0, vXi, t)
                    }
                }
            }
            if let dx = dx {
                Parallel.forRange(p.cin, grain: 2) { channels in
                    let buf = Storage(count: tl.inputBufferCount)
                    for c in channels {
                        tl.inputGradientTransform(v.pointer + c * t, xiStride: p.cin * t, dx + (b0 * p.cin + c) * hw,
                                                  imageStride: p.cin * hw, p: buf.pointer)
                    }
                }
            }
        }
    }
    if let dw = dw, let du = du {
        Parallel.forRange(p.cout, grain: 8) { r in
            winogradWeightGradient(du.pointer, cout: p.cout, cin: p.cin, dw, channels: r.lowerBound, r.upperBound)
        }
    }
    if let db = db {
        Parallel.forRange(p.cout, grain: 8) { r in
            for co in r {
                var s: Float = 0
                for b in 0..<p.n { s += sumRun(dy + (b * p.cout + co) * hwo, hwo) }
                db[co] = s
            }
        }
    }
}
