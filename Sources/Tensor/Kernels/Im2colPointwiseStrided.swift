// im2col / col2im for strided 1×1 convolutions without padding (the ResNet downsample shortcut,
// 1×1/2): the col matrix is just the subsampled input x[:, :, ::sH, ::sW], so a tap is one
// strided gather per output row. The stride-phase path (Im2colStrided.swift) pays for 3×3 and
// 7×7 kernels, whose taps share the phase planes; for a single tap its zeroed four-phase buffer
// cost more than the GEMM (measured with perf: 27% of the 1×1/2 layer's time against 25% in
// sgemm). Same layout and contracts as `im2col` / `col2im` (Im2col.swift).

extension ConvGeometry {
    /// A 1×1 kernel with stride > 1 and no padding (dilation is irrelevant for one tap).
    var isStridedPointwise: Bool {
        kernelH == 1 && kernelW == 1 && (strideH > 1 || strideW > 1) && padH == 0 && padW == 0
    }
}

/// col[c][b·HoWo + oy·Wo + ox] = x_b[c][oy·sH][ox·sW].
func im2colPointwiseStrided(_ x: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                            ho: Int, wo: Int, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo, sh = g.strideH, sw = g.strideW
    for c in 0..<channels {
        for b in 0..<images {
            let plane = x + b * imageStride + c * hw
            let dst = col + c * ldcol + b * hwo
            for oy in 0..<ho {
                gatherRow(plane + oy * sh * w, stride: sw, rowLength: w, dst + oy * wo, wo)
            }
        }
    }
}

/// dx_b[c][oy·sH][ox·sW] += col[c][b·HoWo + oy·Wo + ox]; every other pixel is untouched.
func col2imPointwiseStrided(_ col: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                            ho: Int, wo: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo, sh = g.strideH, sw = g.strideW
    for c in 0..<channels {
        for b in 0..<images {
            let plane = dx + b * imageStride + c * hw
            let src = col + c * ldcol + b * hwo
            for oy in 0..<ho {
                let drow = plane + oy * sh * w, srow = src + oy * wo
                for ox in 0..<wo { drow[ox * sw] += srow[ox] }
            }
        }
    }
}

/// d[i] = s[i·stride] for i < n, reading only inside the row s[0 ..< rowLength]. Stride 2 (the
/// common case) takes 16 floats and keeps the even lanes, eight outputs per step. (Two 8-lane
/// loads: a 16-lane `loadUnaligned` was left as an out-of-line generic call, seen in perf.)
@inline(__always)
func gatherRow(_ s: UnsafePointer<Float>, stride: Int, rowLength: Int, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    if stride == 2 {
        let rs = UnsafeRawPointer(s), rd = UnsafeMutableRawPointer(d)
        while 2 * i + 16 <= rowLength && i + 8 <= n {
            let lo = rs.loadUnaligned(fromByteOffset: 2 * i * 4, as: SIMD8<Float>.self)
            let hi = rs.loadUnaligned(fromByteOffset: (2 * i + 8) * 4, as: SIMD8<Float>.self)
            rd.storeBytes(of: SIMD16(lowHalf: lo, highHalf: hi).evenHalf, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
    }
    while i < n { d[i] = s[i * stride]; i += 1 }
}
