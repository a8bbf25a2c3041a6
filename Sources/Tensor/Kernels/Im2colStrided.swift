// im2col for strided convolutions (the 7×7/2 stem, 3×3/2 and 1×1/2 downsampling) through
// stride phases, as in DepthwiseConv.swift: each input plane is zero-padded and split into
// sH·sW phase planes  P_ab[r][q] = xpad[r·sH + a][q·sW + b]  (Hq × Wq each), so that tap
// (ki, kj) reads phase ((ki·dH) mod sH, (kj·dW) mod sW) at row oy + ⌊ki·dH / sH⌋ and column
// ox + ⌊kj·dW / sW⌋ with unit stride: every output row of a tap is one contiguous copy, and the
// padding is already zeros in the phase planes. The direct per-element strided gather it
// replaces ran at 3–6 GB/s of col written (one thread, measured); this runs at ~3× that.

/// Phase-plane geometry of one strided im2col (one image plane at a time).
struct StridePhases {
    let sh: Int, sw: Int, hq: Int, wq: Int
    /// Phases some tap reads (a 1×1/2 conv reads one of four): only these are filled.
    let usedRows: [Bool], usedCols: [Bool]
    var planeSize: Int { hq * wq }

    init(_ g: ConvGeometry, h: Int, w: Int) {
        sh = g.strideH; sw = g.strideW
        hq = (h + 2 * g.padH + sh - 1) / sh
        wq = (w + 2 * g.padW + sw - 1) / sw
        var ur = [Bool](repeating: false, count: sh), uc = [Bool](repeating: false, count: sw)
        for ki in 0..<g.kernelH { ur[(ki * g.dilationH) % sh] = true }
        for kj in 0..<g.kernelW { uc[(kj * g.dilationW) % sw] = true }
        usedRows = ur; usedCols = uc
    }

    /// Writes the sH·sW phase planes of one zero-padded input plane into `buf` (zeroed here).
    @inline(__always)
    func split(_ src: UnsafePointer<Float>, h: Int, w: Int, _ g: ConvGeometry, _ buf: UnsafeMutablePointer<Float>) {
        buf.update(repeating: 0, count: sh * sw * planeSize)
        for iy in 0..<h {
            let r = iy + g.padH
            if !usedRows[r % sh] { continue }
            let rowBase = buf + (r % sh) * sw * planeSize + (r / sh) * wq
            let s = src + iy * w
            for b in 0..<sw where usedCols[b] {
                // Input columns ix with (ix + padW) mod sW == b land in phase b at (ix + padW) / sW.
                let first = ((b - g.padW) % sw + sw) % sw
                if first >= w { continue }
                let dst = rowBase + b * planeSize + (first + g.padW) / sw
                let n = (w - first + sw - 1) / sw
                let sp = s + first
                for q in 0..<n { dst[q] = sp[q * sw] }
            }
        }
    }
}

/// im2col for stride > 1 (same layout and contract as `im2col`).
func im2colStrided(_ x: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                   ho: Int, wo: Int, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo
    let ph = StridePhases(g, h: h, w: w)
    let buf = Storage(count: ph.sh * ph.sw * ph.planeSize)
    let bp = buf.pointer
    for c in 0..<channels {
        for b in 0..<images {
            ph.split(x + b * imageStride + c * hw, h: h, w: w, g, bp)
            for ki in 0..<g.kernelH {
                let ry = ki * g.dilationH
                let phaseRow = (ry % ph.sh) * ph.sw
                for kj in 0..<g.kernelW {
                    let rx = kj * g.dilationW
                    let src = UnsafePointer(bp + (phaseRow + rx % ph.sw) * ph.planeSize + (ry / ph.sh) * ph.wq + rx / ph.sw)
                    let dst = col + ((c * g.kernelH + ki) * g.kernelW + kj) * ldcol + b * hwo
                    for oy in 0..<ho { copyShortRow(src + oy * ph.wq, dst + oy * wo, wo) }
                }
            }
        }
    }
}
