// Pooling over NCHW planes: max pool (argmax kept for backward), average pool
// (count_include_pad like PyTorch's default), and global average / max pooling to (N, C).
// Planes (n, c) are independent and split across workers.

extension Tensor {
    @inline(__always)
    fileprivate func planeDims(_ op: String) -> (planes: Int, h: Int, w: Int) {
        guard rank == 4 else { shapeFailure(ShapeError("\(op): input must be NCHW (rank 4), got \(describe(shape))")) }
        return (shape[0] * shape[1], shape[2], shape[3])
    }
}

/// Max pooling; `stride` defaults to the kernel size; padding counts as −∞. With `ceilMode`
/// (PyTorch's `ceil_mode=True`, FastReID's ResNet stem) the output size rounds up, so a last
/// window that starts inside the input but runs past its end is kept (its taps outside are ignored).
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                      ceilMode: Bool = false) -> Tensor {
    let (planes, h, w) = x.planeDims("maxPool2d")
    let s = stride ?? kernel
    let geo = ConvGeometry(kernel: (kernel, kernel), stride: (s, s), padding: (padding, padding), dilation: (dilation, dilation))
    var (ho, wo) = checked { try geo.outputSize(h: h, w: w, op: "maxPool2d") }
    if ceilMode {
        // PyTorch: round up, but the last window must start inside the input or its left padding.
        func ceilSize(_ n: Int) -> Int {
            var o = (n + 2 * padding - dilation * (kernel - 1) - 1 + s - 1) / s + 1
            if (o - 1) * s >= n + padding { o -= 1 }
            return o
        }
        (ho, wo) = (ceilSize(h), ceilSize(w))
    }
    if padding * 2 > kernel { shapeFailure(ShapeError("maxPool2d: padding \(padding) must be at most half the kernel \(kernel)")) }
    let out = Tensor.empty([x.shape[0], x.shape[1], ho, wo])
    var argmax = [Int32](repeating: 0, count: out.count)
    let xp = x.pointer, yp = out.pointer
    argmax.withUnsafeMutableBufferPointer { am in
        let amp = am.baseAddress!
        // Separable: a row pass takes each input row's window maxima over kj, a column pass
        // combines kH rows of those. The rule "take v if v > best, or v is NaN, or nothing yet"
        // applied row by row and then over rows picks the same element as one row-major scan of
        // the window (the first maximum, or the last NaN), so the argmax — hence the gradient
        // routing — is unchanged; it saves the per-element bounds tests of the direct loop.
        Parallel.forRange(planes, grain: Swift.max(1, 4096 / Swift.max(ho * wo, 1))) { range in
            var rowBest = [Float](repeating: 0, count: h * wo)
            var rowIdx = [Int32](repeating: 0, count: h * wo)
            rowBest.withUnsafeMutableBufferPointer { rbBuf in
            rowIdx.withUnsafeMutableBufferPointer { riBuf in
                let rb = rbBuf.baseAddress!, ri = riBuf.baseAddress!
                // Output columns whose whole window lies inside the row.
                let oxLo = Swift.min((padding + s - 1) / s, wo)
                let span = (kernel - 1) * dilation
                let oxHi = Swift.max(oxLo, Swift.min(w - 1 - span + padding >= 0 ? (w - 1 - span + padding) / s + 1 : 0, wo))
                for pl in range {
                    let src = xp + pl * h * w, dst = yp + pl * ho * wo, idx = amp + pl * ho * wo
                    for iy in 0..<h {
                        let row = src + iy * w, ob = rb + iy * wo, oi = ri + iy * wo
                        for ox in 0..<wo {
                            let x0 = ox * s - padding
                            var best = -Float.infinity, bi: Int32 = -1
                            if ox >= oxLo && ox < oxHi {
                                // Interior: every tap inside the row; no bounds tests.
                                best = row[x0]; bi = Int32(iy * w + x0)
                                for kj in 1..<kernel {
                                    let v = row[x0 + kj * dilation]
                                    if v > best || v.isNaN { best = v; bi = Int32(iy * w + x0 + kj * dilation) }
                                }
                            } else {
                                for kj in 0..<kernel {
                                    let ix = x0 + kj * dilation
                                    if ix < 0 || ix >= w { continue }
                                    let v = row[ix]
                                    if v > best || bi < 0 || v.isNaN { best = v; bi = Int32(iy * w + ix) }
                                }
                            }
                            ob[ox] = best; oi[ox] = bi
                        }
                    }
                    for oy in 0..<ho {
                        let d = dst + oy * wo, di = idx + oy * wo
                        for ox in 0..<wo { d[ox] = -Float.infinity; di[ox] = -1 }
                        for ki in 0..<kernel {
                            let iy = oy * s - padding + ki * dilation
                            if iy < 0 || iy >= h { continue }
                            let ob = rb + iy * wo, oi = ri + iy * wo
                            for ox in 0..<wo {
                                let v = ob[ox]
                                if v > d[ox] || di[ox] < 0 || v.isNaN { d[ox] = v; di[ox] = oi[ox] }
                            }
                        }
                    }
                }
            }
            }
        }
    }
    if Tensor.recording(x) {
        out.record("max_pool2d", [x]) { g in
            let gx = Tensor.empty(x.shape)   // each plane is zeroed by its worker (no serial memset)
            let gp = g.pointer, dp = gx.pointer
            Parallel.forRange(planes, grain: 64) { range in
                for pl in range {
                    let src = gp + pl * ho * wo, dst = dp + pl * h * w
                    dst.update(repeating: 0, count: h * w)
                    for i in 0..<(ho * wo) { dst[Int(argmax[pl * ho * wo + i])] += src[i] }
                }
            }
            return [gx]
        }
    }
    return out
}

/// Average pooling; `stride` defaults to the kernel size. With `countIncludePad` (PyTorch's
/// default) padded zeros count in the divisor.
public func avgPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) -> Tensor {
    let (planes, h, w) = x.planeDims("avgPool2d")
    let s = stride ?? kernel
    let geo = ConvGeometry(kernel: (kernel, kernel), stride: (s, s), padding: (padding, padding))
    let (ho, wo) = checked { try geo.outputSize(h: h, w: w, op: "avgPool2d") }
    if padding * 2 > kernel { shapeFailure(ShapeError("avgPool2d: padding \(padding) must be at most half the kernel \(kernel)")) }
    // Divisor per output position (depends only on the window's overlap with the input).
    var divisor = [Float](repeating: Float(kernel * kernel), count: ho * wo)
    for oy in 0..<ho {
        for ox in 0..<wo {
            let y0 = oy * s - padding, x0 = ox * s - padding
            let y1 = Swift.min(y0 + kernel, h + padding), x1 = Swift.min(x0 + kernel, w + padding)
            let ch = Swift.min(y1, h) - Swift.max(y0, 0), cw = Swift.min(x1, w) - Swift.max(x0, 0)
            divisor[oy * wo + ox] = countIncludePad ? Float((y1 - y0) * (x1 - x0)) : Float(Swift.max(ch * cw, 1))
        }
    }
    let out = Tensor.empty([x.shape[0], x.shape[1], ho, wo])
    let xp = x.pointer, yp = out.pointer
    Parallel.forRange(planes, grain: Swift.max(1, 4096 / Swift.max(ho * wo, 1))) { range in
        for pl in range {
            let src = xp + pl * h * w, dst = yp + pl * ho * wo
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var acc: Float = 0
                    for iy in Swift.max(oy * s - padding, 0)..<Swift.min(oy * s - padding + kernel, h) {
                        for ix in Swift.max(ox * s - padding, 0)..<Swift.min(ox * s - padding + kernel, w) { acc += src[iy * w + ix] }
                    }
                    dst[oy * wo + ox] = acc / divisor[oy * wo + ox]
                }
            }
        }
    }
    if Tensor.recording(x) {
        out.record("avg_pool2d", [x]) { g in
            let gx = Tensor.zeros(x.shape)
            let gp = g.pointer, dp = gx.pointer
            Parallel.forRange(planes, grain: 64) { range in
                for pl in range {
                    let src = gp + pl * ho * wo, dst = dp + pl * h * w
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            let v = src[oy * wo + ox] / divisor[oy * wo + ox]
                            for iy in Swift.max(oy * s - padding, 0)..<Swift.min(oy * s - padding + kernel, h) {
                                for ix in Swift.max(ox * s - padding, 0)..<Swift.min(ox * s - padding + kernel, w) { dst[iy * w + ix] += v }
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }
    return out
}

/// Mean over H×W: (N, C, H, W) → (N, C).
public func globalAvgPool2d(_ x: Tensor) -> Tensor {
    let (planes, h, w) = x.planeDims("globalAvgPool2d")
    let hw = h * w
    let out = Tensor.empty([x.shape[0], x.shape[1]])
    let xp = x.pointer, yp = out.pointer
    let inv = 1 / Float(hw)
    Parallel.forRange(planes, grain: Swift.max(1, 16_384 / Swift.max(hw, 1))) { r in
        for pl in r { yp[pl] = sumRun(xp + pl * hw, hw) * inv }
    }
    if Tensor.recording(x) {
        out.record("global_avg_pool2d", [x]) { g in
            let gx = Tensor.empty(x.shape)
            let gp = g.pointer, dp = gx.pointer
            Parallel.forRange(planes, grain: Swift.max(1, 16_384 / Swift.max(hw, 1))) { r in
                for pl in r { (dp + pl * hw).update(repeating: gp[pl] * inv, count: hw) }
            }
            return [gx]
        }
    }
    return out
}

/// Max over H×W: (N, C, H, W) → (N, C); gradient to the first maximum.
public func globalMaxPool2d(_ x: Tensor) -> Tensor {
    let (_, h, w) = x.planeDims("globalMaxPool2d")
    return x.reshaped([x.shape[0], x.shape[1], h * w]).max(axes: [2])
}
