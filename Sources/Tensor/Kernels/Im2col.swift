// im2col / col2im for one image (one channel group) of an NCHW tensor.
// col layout: row r = (c·kH + ki)·kW + kj, column = colOffset + oy·Wo + ox, row stride `ldcol`.
// Several images of a chunk sit side by side in one col matrix (colOffset = b·Ho·Wo), which
// gives the GEMM a wide N dimension even when feature maps are small.
// Paths: stride 1 with Wo = W (one masked shifted span per tap, below); strided unpadded 1×1
// (one strided gather, Im2colPointwiseStrided.swift); small maps of ≤ 64 output positions
// (Im2colSmall.swift); other strided convs via stride phases (Im2colStrided.swift); anything
// else row by row.

/// Geometry of a 2-D convolution or pooling window.
public struct ConvGeometry: Equatable, Sendable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1)) {
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
    }

    /// Output spatial size for an input of h × w, or a ShapeError.
    public func outputSize(h: Int, w: Int, op: String) throws -> (Int, Int) {
        guard kernelH > 0, kernelW > 0, strideH > 0, strideW > 0, dilationH > 0, dilationW > 0, padH >= 0, padW >= 0 else {
            throw ShapeError("\(op): invalid geometry kernel \(kernelH)×\(kernelW), stride \(strideH)×\(strideW), padding \(padH)×\(padW), dilation \(dilationH)×\(dilationW)")
        }
        let effH = dilationH * (kernelH - 1) + 1, effW = dilationW * (kernelW - 1) + 1
        let ho = (h + 2 * padH - effH) / strideH + 1
        let wo = (w + 2 * padW - effW) / strideW + 1
        guard h + 2 * padH >= effH, w + 2 * padW >= effW, ho > 0, wo > 0 else {
            throw ShapeError("\(op): input \(h)×\(w) with padding \(padH)×\(padW) is smaller than the \(effH)×\(effW) (dilated) kernel")
        }
        return (ho, wo)
    }

    /// Valid output columns [lo, hi) for kernel column kj: 0 ≤ ox·sW − pW + kj·dW < W.
    @inline(__always)
    func validCols(kj: Int, w: Int, wo: Int) -> (Int, Int) {
        let off = kj * dilationW - padW
        var lo = off >= 0 ? 0 : (-off + strideW - 1) / strideW
        var hi = (w - 1 - off) >= 0 ? (w - 1 - off) / strideW + 1 : 0
        lo = Swift.min(lo, wo); hi = Swift.max(Swift.min(hi, wo), lo)
        return (lo, hi)
    }
}

/// Writes the patches of `images` consecutive images into one col matrix.
/// x: first image's first channel of this group; images are `imageStride` floats apart, each
/// with `channels` planes of h × w. col: (channels·kH·kW) × (images·Ho·Wo), row-major, image b's
/// patches in columns [b·HoWo, (b+1)·HoWo). Loops run row by row so col is written sequentially
/// while the few input planes in use stay in L1.
func im2col(_ x: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
            ho: Int, wo: Int, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    if g.isStridedPointwise {
        im2colPointwiseStrided(x, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, col)
        return
    }
    if (g.strideH > 1 || g.strideW > 1) && ho * wo <= 64 {
        im2colSmallStrided(x, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, col)
        return
    }
    if g.strideH > 1 || g.strideW > 1 {
        im2colStrided(x, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, col)
        return
    }
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo
    // Stride 1 with Wo = W: a tap is one shift of the whole plane, so the valid rows copy as a
    // single contiguous span; only the border columns that wrapped around need zeroing.
    let shiftCopy = g.strideH == 1 && g.strideW == 1 && wo == w
    if shiftCopy && hwo <= 64 {
        im2colSmallStride1(x, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, col)
        return
    }
    let masks = shiftCopy ? ColumnMasks(g, w: w, ho: ho, wo: wo) : nil
    for c in 0..<channels {
        for ki in 0..<g.kernelH {
            let di = ki * g.dilationH - g.padH
            // Valid output rows: 0 ≤ oy·sH + di < h.
            let oyLo = Swift.min(di >= 0 ? 0 : (-di + g.strideH - 1) / g.strideH, ho)
            let oyHi = Swift.max(Swift.min((h - 1 - di) >= 0 ? (h - 1 - di) / g.strideH + 1 : 0, ho), oyLo)
            for kj in 0..<g.kernelW {
                let row = col + ((c * g.kernelH + ki) * g.kernelW + kj) * ldcol
                let (lo, hi) = g.validCols(kj: kj, w: w, wo: wo)
                let dj = kj * g.dilationW - g.padW
                for b in 0..<images {
                    let src = x + b * imageStride + c * hw
                    let dst = row + b * hwo
                    if oyHi <= oyLo || hi <= lo {
                        for t in 0..<hwo { dst[t] = 0 }
                        continue
                    }
                    if let masks = masks {
                        // One pass over the span of valid rows: wrapped border columns are
                        // masked to +0 bit-exactly (an AND, so a NaN/inf next door cannot leak in).
                        let s = oyLo * wo + lo, e = (oyHi - 1) * wo + hi
                        let off = di * w + dj
                        for t in 0..<s { dst[t] = 0 }
                        masks.copy(kj: kj, from: src + off, to: dst, s, e)
                        for t in e..<hwo { dst[t] = 0 }
                    } else {
                        for t in 0..<(oyLo * wo) { dst[t] = 0 }
                        for t in (oyHi * wo)..<hwo { dst[t] = 0 }
                        let sw = g.strideW
                        for oy in oyLo..<oyHi {
                            let r = dst + oy * wo
                            let srow = src + (oy * g.strideH + di) * w + dj
                            for t in 0..<lo { r[t] = 0 }
                            if sw == 1 { for ox in lo..<hi { r[ox] = srow[ox] } }
                            else { for ox in lo..<hi { r[ox] = srow[ox * sw] } }
                            for t in hi..<wo { r[t] = 0 }
                        }
                    }
                }
            }
        }
    }
}

/// Per kernel column kj, a bit mask over one output plane (Ho·Wo): all ones where the tap's
/// input column is inside the image, zero where a plane-wide shift wrapped around a row edge.
/// Used by the stride-1, Wo = W case, where every tap is a single shifted span of the plane.
struct ColumnMasks {
    let bits: [UInt32]   // kW × Ho·Wo
    let hwo: Int

    init(_ g: ConvGeometry, w: Int, ho: Int, wo: Int) {
        hwo = ho * wo
        var m = [UInt32](repeating: 0, count: g.kernelW * hwo)
        for kj in 0..<g.kernelW {
            let (lo, hi) = g.validCols(kj: kj, w: w, wo: wo)
            for oy in 0..<ho { for ox in lo..<hi { m[kj * hwo + oy * wo + ox] = ~0 } }
        }
        bits = m
    }

    /// dst[t] = src[t] masked, for t in [s, e).
    @inline(__always)
    func copy(kj: Int, from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ s: Int, _ e: Int) {
        bits.withUnsafeBufferPointer { mb in
            let m = mb.baseAddress! + kj * hwo
            UnsafeRawPointer(src).withMemoryRebound(to: UInt32.self, capacity: e) { sp in
                UnsafeMutableRawPointer(dst).withMemoryRebound(to: UInt32.self, capacity: e) { dp in
                    for t in s..<e { dp[t] = sp[t] & m[t] }
                }
            }
        }
    }

    /// dst[t] += src[t] where the mask is set, for t in [s, e).
    @inline(__always)
    func accumulate(kj: Int, from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ s: Int, _ e: Int) {
        bits.withUnsafeBufferPointer { mb in
            let m = mb.baseAddress! + kj * hwo
            UnsafeRawPointer(src).withMemoryRebound(to: UInt32.self, capacity: e) { sp in
                for t in s..<e { dst[t] += Float(bitPattern: sp[t] & m[t]) }
            }
        }
    }
}

/// Adjoint of `im2col`: accumulates the col matrix of `images` images back into dx (same
/// layout conventions). dx must be initialised by the caller.
func col2im(_ col: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
            ho: Int, wo: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo
    let shift = g.strideH == 1 && g.strideW == 1 && wo == w
    if g.isStridedPointwise {
        col2imPointwiseStrided(col, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, dx)
        return
    }
    if (g.strideH > 1 || g.strideW > 1) && hwo <= 64 {
        col2imSmallStrided(col, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, dx)
        return
    }
    if shift && hwo <= 64 {
        col2imSmallStride1(col, imageStride: imageStride, images: images, channels: channels, h: h, w: w, ho: ho, wo: wo, g, dx)
        return
    }
    let masks = shift ? ColumnMasks(g, w: w, ho: ho, wo: wo) : nil
    for c in 0..<channels {
        for ki in 0..<g.kernelH {
            let di = ki * g.dilationH - g.padH
            let oyLo = Swift.min(di >= 0 ? 0 : (-di + g.strideH - 1) / g.strideH, ho)
            let oyHi = Swift.max(Swift.min((h - 1 - di) >= 0 ? (h - 1 - di) / g.strideH + 1 : 0, ho), oyLo)
            for kj in 0..<g.kernelW {
                let row = col + ((c * g.kernelH + ki) * g.kernelW + kj) * ldcol
                let (lo, hi) = g.validCols(kj: kj, w: w, wo: wo)
                if hi <= lo || oyHi <= oyLo { continue }
                let dj = kj * g.dilationW - g.padW
                let sw = g.strideW
                if let masks = masks {
                    let s = oyLo * wo + lo, e = (oyHi - 1) * wo + hi
                    let off = di * w + dj
                    for b in 0..<images {
                        masks.accumulate(kj: kj, from: row + b * hwo, to: dx + b * imageStride + c * hw + off, s, e)
                    }
                    continue
                }
                for b in 0..<images {
                    let src = row + b * hwo
                    let dst = dx + b * imageStride + c * hw
                    for oy in oyLo..<oyHi {
                        let r = src + oy * wo
                        let drow = dst + (oy * g.strideH + di) * w + dj
                        if sw == 1 { for ox in lo..<hi { drow[ox] += r[ox] } }
                        else { for ox in lo..<hi { drow[ox * sw] += r[ox] } }
                    }
                }
            }
        }
    }
}
