// im2col / col2im for one image (one channel group) of an NCHW tensor.
// col layout: row r = (c·kH + ki)·kW + kj, column = colOffset + oy·Wo + ox, row stride `ldcol`.
// Several images of a chunk sit side by side in one col matrix (colOffset = b·Ho·Wo), which
// gives the GEMM a wide N dimension even when feature maps are small.

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

/// Writes the patches of x (channels × h × w) into col (channels·kH·kW rows).
func im2col(_ x: UnsafePointer<Float>, channels: Int, h: Int, w: Int, ho: Int, wo: Int,
            _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>, ldcol: Int, colOffset: Int) {
    let hw = h * w
    for c in 0..<channels {
        let xc = x + c * hw
        for ki in 0..<g.kernelH {
            for kj in 0..<g.kernelW {
                let row = col + ((c * g.kernelH + ki) * g.kernelW + kj) * ldcol + colOffset
                let (lo, hi) = g.validCols(kj: kj, w: w, wo: wo)
                let xoff = kj * g.dilationW - g.padW
                for oy in 0..<ho {
                    let iy = oy * g.strideH - g.padH + ki * g.dilationH
                    let dst = row + oy * wo
                    if iy < 0 || iy >= h {
                        dst.update(repeating: 0, count: wo)
                        continue
                    }
                    if lo > 0 { dst.update(repeating: 0, count: lo) }
                    if hi < wo { (dst + hi).update(repeating: 0, count: wo - hi) }
                    let src = xc + iy * w + xoff
                    if g.strideW == 1 {
                        if hi > lo { (dst + lo).update(from: src + lo, count: hi - lo) }
                    } else {
                        let s = g.strideW
                        for ox in lo..<hi { dst[ox] = src[ox * s] }
                    }
                }
            }
        }
    }
}

/// Accumulates col back into dx (channels × h × w): the adjoint of im2col.
func col2im(_ col: UnsafePointer<Float>, channels: Int, h: Int, w: Int, ho: Int, wo: Int,
            _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>, ldcol: Int, colOffset: Int) {
    let hw = h * w
    for c in 0..<channels {
        let xc = dx + c * hw
        for ki in 0..<g.kernelH {
            for kj in 0..<g.kernelW {
                let row = col + ((c * g.kernelH + ki) * g.kernelW + kj) * ldcol + colOffset
                let (lo, hi) = g.validCols(kj: kj, w: w, wo: wo)
                if hi <= lo { continue }
                let xoff = kj * g.dilationW - g.padW
                for oy in 0..<ho {
                    let iy = oy * g.strideH - g.padH + ki * g.dilationH
                    if iy < 0 || iy >= h { continue }
                    let src = row + oy * wo
                    let dst = xc + iy * w + xoff
                    if g.strideW == 1 {
                        for ox in lo..<hi { dst[ox] += src[ox] }
                    } else {
                        let s = g.strideW
                        for ox in lo..<hi { dst[ox * s] += src[ox] }
                    }
                }
            }
        }
    }
}
