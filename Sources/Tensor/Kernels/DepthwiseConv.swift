// Direct depthwise convolution (groups = Cin = Cout): one kH×kW filter per channel plane.
// A GEMM per plane would be 1×(kH·kW) by (kH·kW)×HoWo — far too thin for sgemm — and re-id
// feature maps are small (rows of 4–32 pixels), so a per-row loop spends its time on loop
// overhead. Instead each plane is zero-padded and split into stride phases:
//   P_ab[r][c] = xpad[r·sH + a][c·sW + b],   a < sH, b < sW,   Hq × Wq each,
// so that tap (ki, kj) reads phase (ki·dH mod sH, kj·dW mod sW) at offset (ki·dH / sH, kj·dW / sW)
// with unit stride. On the "wide" output grid Ho × Wq (Wq − Wo junk columns per row) every tap
// is then ONE contiguous axpy of length Ho·Wq — vectorised, no bounds checks — and the valid
// columns are copied out at the end. Backward runs the same taps transposed (axpy into the
// phase planes) and as dot products (filter gradient). Planes (n, c) are independent and split
// across workers; layout NCHW.
import CBLAS

/// Phase-plane geometry of one depthwise convolution.
struct DepthwisePhases {
    let sh: Int, sw: Int, hq: Int, wq: Int
    /// Floats per phase plane, with zeroed slack so every tap's read of Ho·Wq floats stays inside.
    let phaseSize: Int
    /// Per tap t = ki·kW + kj: offset of its first read within the phase buffer (phase · phaseSize + row·Wq + col).
    let tapOffset: [Int]
    let wideCount: Int   // Ho · Wq
    /// Per column phase b: the first input column ix ≡ b − padW (mod sW), and the phase column
    /// it lands in, (ix + padW) / sW. Precomputed, like the row phases in `forEachRow`: integer
    /// divisions by the runtime stride, per row and phase, were most of the time of a strided
    /// depthwise conv on small maps (perf).
    let firstColumn: [Int], firstPhaseColumn: [Int]

    init(_ p: ConvPlan) {
        let g = p.geo
        sh = g.strideH; sw = g.strideW
        hq = (p.h + 2 * g.padH + sh - 1) / sh
        wq = (p.w + 2 * g.padW + sw - 1) / sw
        wideCount = p.ho * wq
        var maxQ = 0
        for ki in 0..<g.kernelH {
            for kj in 0..<g.kernelW {
                maxQ = Swift.max(maxQ, (ki * g.dilationH / sh) * wq + kj * g.dilationW / sw)
            }
        }
        // The farthest tap reads [maxQ, maxQ + Ho·Wq); make every phase at least that long.
        phaseSize = Swift.max(hq * wq, maxQ + wideCount)
        var offsets: [Int] = []
        for ki in 0..<g.kernelH {
            for kj in 0..<g.kernelW {
                let ri = ki * g.dilationH, rj = kj * g.dilationW
                offsets.append(((ri % sh) * sw + rj % sw) * phaseSize + (ri / sh) * wq + rj / sw)
            }
        }
        tapOffset = offsets
        let (strideW, padW) = (g.strideW, g.padW)
        let first = (0..<strideW).map { b in ((b - padW) % strideW + strideW) % strideW }
        firstColumn = first
        firstPhaseColumn = first.map { ($0 + padW) / strideW }
    }

    var bufferCount: Int { sh * sw * phaseSize }

    /// Calls body(row pointer offset, input row) for each input row: the row's place in the
    /// phase buffer, (r mod sH)·sW·phaseSize + (r / sH)·Wq for r = iy + padH, kept incrementally.
    @inline(__always)
    func forEachRow(_ p: ConvPlan, _ body: (_ rowOffset: Int, _ iy: Int) -> Void) {
        var a = p.geo.padH % sh, q = p.geo.padH / sh
        for iy in 0..<p.h {
            body(a * sw * phaseSize + q * wq, iy)
            a += 1
            if a == sh { a = 0; q += 1 }
        }
    }

    /// Writes one input plane (x: H × W) into its phase planes. Only interior positions are
    /// written: padding and slack keep whatever `buf` held, so zero it once per buffer (`zero`).
    func split(_ p: ConvPlan, _ x: UnsafePointer<Float>, into buf: UnsafeMutablePointer<Float>) {
        let padW = p.geo.padW
        firstColumn.withUnsafeBufferPointer { first in
        firstPhaseColumn.withUnsafeBufferPointer { firstQ in
            forEachRow(p) { off, iy in
                let src = x + iy * p.w, row = buf + off
                if sw == 1 { copyRun(src, row + padW, p.w); return }
                for b in 0..<sw {
                    // Columns ix ≡ b − padW (mod sW) land in phase b, consecutively.
                    let dst = row + b * phaseSize
                    var ix = first[b], j = firstQ[b]
                    while ix < p.w { dst[j] = src[ix]; ix += sw; j += 1 }
                }
            }
        }
        }
    }

    func zero(_ buf: UnsafeMutablePointer<Float>) { buf.update(repeating: 0, count: bufferCount) }

    /// Inverse of `split` for gradients: dx[iy][ix] = its phase entry (padding discarded).
    func merge(_ p: ConvPlan, _ buf: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let padW = p.geo.padW
        firstColumn.withUnsafeBufferPointer { first in
        firstPhaseColumn.withUnsafeBufferPointer { firstQ in
            forEachRow(p) { off, iy in
                let dst = dx + iy * p.w, row = buf + off
                if sw == 1 { copyRun(row + padW, dst, p.w); return }
                for b in 0..<sw {
                    let src = row + b * phaseSize
                    var ix = first[b], j = firstQ[b]
                    while ix < p.w { dst[ix] = src[j]; ix += sw; j += 1 }
                }
            }
        }
        }
    }
}

@inline(__always)
private func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    for i in 0..<n { y[i] += a * x[i] }
}

private func planeGrain(_ p: ConvPlan) -> Int { Swift.max(1, 16384 / Swift.max(p.hwo * p.geo.kernelH * p.geo.kernelW, 1)) }

func depthwiseForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                      _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
    let ph = DepthwisePhases(p), kk = p.geo.kernelH * p.geo.kernelW, hw = p.h * p.w, hwo = p.hwo
    let taps = ph.tapOffset
    Parallel.forRange(p.n * p.cin, grain: planeGrain(p)) { planes in
        let phases = Storage(count: ph.bufferCount), wide = Storage(count: ph.wideCount)
        ph.zero(phases.pointer)
        taps.withUnsafeBufferPointer { tp in
            for plane in planes {
                let c = plane % p.cin
                ph.split(p, x + plane * hw, into: phases.pointer)
                tapSum(ph.wideCount, bias?[c] ?? 0, w + c * kk, phases.pointer, tp, wide.pointer)
                let yp = y + plane * hwo
                for oy in 0..<p.ho { copyRun(wide.pointer + oy * ph.wq, yp + oy * p.wo, p.wo) }
            }
        }
    }
}

/// out[i] = b + Σ_t w[t]·src[taps[t] + i] for i < n, the taps added in order: the rounding of
/// one axpy per tap, with eight outputs kept in registers across the taps (the axpys read and
/// wrote the whole wide grid once per tap: forward +10–13%, docs/PERFORMANCE.md).
@inline(__always)
func tapSum(_ n: Int, _ b: Float, _ w: UnsafePointer<Float>, _ src: UnsafePointer<Float>,
            _ taps: UnsafeBufferPointer<Int>, _ out: UnsafeMutablePointer<Float>) {
    var i = 0
    while i + 8 <= n {
        var acc = SIMD8<Float>(repeating: b)
        for t in 0..<taps.count {
            acc += SIMD8(repeating: w[t]) * UnsafeRawPointer(src + taps[t] + i).loadUnaligned(as: SIMD8<Float>.self)
        }
        UnsafeMutableRawPointer(out + i).storeBytes(of: acc, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n {
        var a = b
        for t in 0..<taps.count { a += w[t] * src[taps[t] + i] }
        out[i] = a
        i += 1
    }
}

func depthwiseBackward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                       _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?, _ db: UnsafeMutablePointer<Float>?) {
    let ph = DepthwisePhases(p), kk = p.geo.kernelH * p.geo.kernelW, hw = p.h * p.w, hwo = p.hwo
    let taps = ph.tapOffset
    let planesCount = p.n * p.cin
    // Per-plane partial filter gradients, summed over the batch afterwards (no shared writes).
    let dwPlanes = dw == nil ? nil : Storage(count: planesCount * kk)
    let dbPlanes = db == nil ? nil : Storage(count: planesCount)
    Parallel.forRange(planesCount, grain: planeGrain(p)) { planes in
        let phases = Storage(count: ph.bufferCount), wide = Storage(count: ph.wideCount)
        let dphases = dx == nil ? nil : Storage(count: ph.bufferCount)
        ph.zero(phases.pointer)
        // dy goes on the wide grid; its junk columns stay zero so they contribute nothing.
        wide.pointer.update(repeating: 0, count: ph.wideCount)
        for plane in planes {
            let c = plane % p.cin, wc = w + c * kk, gp = dy + plane * hwo
            if let dbp = dbPlanes { dbp.pointer[plane] = sumRun(gp, hwo) }
            for oy in 0..<p.ho { copyRun(gp + oy * p.wo, wide.pointer + oy * ph.wq, p.wo) }
            if let dwp = dwPlanes {
                ph.split(p, x + plane * hw, into: phases.pointer)
                for t in 0..<kk {
                    dwp.pointer[plane * kk + t] = cblas_sdot(Int32(ph.wideCount), wide.pointer, 1, phases.pointer + taps[t], 1)
                }
            }
            if let dx = dx, let dph = dphases {
                ph.zero(dph.pointer)
                for t in 0..<kk { axpy(ph.wideCount, wc[t], wide.pointer, dph.pointer + taps[t]) }
                ph.merge(p, dph.pointer, into: dx + plane * hw)
            }
        }
    }
    if let dw = dw, let parts = dwPlanes {
        dw.update(repeating: 0, count: p.cin * kk)
        for n in 0..<p.n { for i in 0..<(p.cin * kk) { dw[i] += parts.pointer[n * p.cin * kk + i] } }
    }
    if let db = db, let parts = dbPlanes {
        db.update(repeating: 0, count: p.cin)
        for n in 0..<p.n { for c in 0..<p.cin { db[c] += parts.pointer[n * p.cin + c] } }
    }
}
