// Pooling over NCHW planes: max pool (the backward finds each output's source again), average pool
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
///
/// Forward: a column pass takes, per output row, the elementwise maximum of the kernel's input
/// rows over the whole width (contiguous, 16 lanes at a time), then a row pass takes each output's
/// window of that row. NaN propagates (a NaN anywhere in the window gives NaN). No argmax is kept:
/// the backward finds each output's source again — the first element of the window, in row-major
/// order, equal to the output, or the last NaN when the output is NaN — which is the element a
/// row-major scan with "take v if v > best, or v is NaN, or nothing yet" picks, so the gradient
/// routing is that of PyTorch's kernel (MaxPoolPathTests). Inference saves the argmax bookkeeping
/// (it was 13% of a batch-64 ResNet-18 forward at 64×32) and training a zeroed Int32 map.
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
    let xp = x.pointer, yp = out.pointer
    // 3-wide stride-2 windows (ResNet's stem) take the vector row pass (MaxPoolRows.swift).
    let rows3s2 = MaxPoolRows.applies(kernel: kernel, stride: s, padding: padding, dilation: dilation)
    Parallel.forRange(planes, grain: Swift.max(1, 4096 / Swift.max(ho * wo, 1))) { range in
        let count = rows3s2 ? MaxPoolRows.bufferCount(w: w, wo: wo) : w
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buf.deallocate() }
        if rows3s2 { MaxPoolRows.prepare(buf, w: w, wo: wo) }
        let col = rows3s2 ? MaxPoolRows.row(buf, padding: padding) : buf
        for pl in range {
            let src = xp + pl * h * w, dst = yp + pl * ho * wo
            for oy in 0..<ho {
                var first = true
                for ki in 0..<kernel {
                    let iy = oy * s - padding + ki * dilation
                    if iy < 0 || iy >= h { continue }
                    let row = src + iy * w
                    if first { col.update(from: row, count: w); first = false; continue }
                    var j = 0
                    while j + 16 <= w {
                        var b = UnsafeRawPointer(col + j).loadUnaligned(as: SIMD16<Float>.self)
                        let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self)
                        b.replace(with: v, where: (v .> b) .| (v .!= v))
                        UnsafeMutableRawPointer(col + j).storeBytes(of: b, as: SIMD16<Float>.self)
                        j += 16
                    }
                    while j < w { let v = row[j]; if v > col[j] || v.isNaN { col[j] = v }; j += 1 }
                }
                let d = dst + oy * wo
                if rows3s2 { MaxPoolRows.pool(buf, w: w, wo: wo, d); continue }
                for ox in 0..<wo {
                    let x0 = ox * s - padding
                    var best = -Float.infinity, any = false
                    for kj in 0..<kernel {
                        let ix = x0 + kj * dilation
                        if ix < 0 || ix >= w { continue }
                        let v = col[ix]
                        if !any || v > best || v.isNaN { best = v; any = true }
                    }
                    d[ox] = best
                }
            }
        }
    }
    if Tensor.recording(x) {
        // The outputs, for finding each one's source again (`out` itself may be changed by the
        // caller; the backward must see what this op produced).
        let saved = Storage(count: out.count)
        saved.pointer.update(from: yp, count: out.count)
        out.record("max_pool2d", [x]) { g in
            let gx = Tensor.empty(x.shape)   // each plane is zeroed by its worker (no serial memset)
            let gp = g.pointer, dp = gx.pointer, sp = saved.pointer, xs = x.pointer
            Parallel.forRange(planes, grain: Swift.max(1, 4096 / Swift.max(h * w, 1))) { range in
                for pl in range {
                    let src = xs + pl * h * w, ys = sp + pl * ho * wo, gs = gp + pl * ho * wo, dst = dp + pl * h * w
                    dst.update(repeating: 0, count: h * w)
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            let y = ys[oy * wo + ox]
                            var pos = -1
                            scan: for ki in 0..<kernel {
                                let iy = oy * s - padding + ki * dilation
                                if iy < 0 || iy >= h { continue }
                                for kj in 0..<kernel {
                                    let ix = ox * s - padding + kj * dilation
                                    if ix < 0 || ix >= w { continue }
                                    let v = src[iy * w + ix]
                                    if y.isNaN {
                                        if v.isNaN { pos = iy * w + ix }
                                    } else if v == y {
                                        pos = iy * w + ix
                                        break scan
                                    }
                                }
                            }
                            if pos >= 0 { dst[pos] += gs[oy * wo + ox] }
                        }
                    }
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
