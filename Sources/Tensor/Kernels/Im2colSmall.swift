// im2col for stride-1 convolutions on small maps (Ho·Wo ≤ 64: the 8×4 and 4×2 maps of late
// ResNet stages). There a tap's span of one plane is only 8–64 floats, and the general path's
// per-plane prefix/suffix zero loops cost as much as the copy. Here the chunk's input is first
// copied into a private buffer with a margin on both sides, so every tap can read its whole
// shifted plane [off, off + Ho·Wo) in bounds (out-of-image positions read a neighbour plane or
// the margin) and one AND with a per-tap validity mask writes the col row: one branch-free,
// eight-lane loop per (channel, tap, image). The buffer is private, so reading across image
// boundaries races with nothing. col2im does the same in reverse (below).

/// A chunk's planes (images × channels, each H·W) in a private buffer with `margin` floats on
/// both sides, so shifted whole-plane reads and writes stay in bounds.
struct MarginBuffer {
    let storage: Storage
    let base: UnsafeMutablePointer<Float>
    let hw: Int

    /// `zeroed`: all zero (col2im accumulates into it); else only the margins are (im2col fills the planes).
    init(planes: Int, hw: Int, margin: Int, zeroed: Bool) {
        self.hw = hw
        storage = zeroed ? Storage(zeros: planes * hw + 2 * margin) : Storage(count: planes * hw + 2 * margin)
        base = storage.pointer + margin
        if !zeroed {
            storage.pointer.update(repeating: 0, count: margin)
            (base + planes * hw).update(repeating: 0, count: margin)
        }
    }

    /// The planes of `images` images (each `channels` planes, `imageStride` floats apart) copied
    /// in, margins zero: the source of the small-map im2col paths.
    init(copying x: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, hw: Int, margin: Int) {
        self.init(planes: images * channels, hw: hw, margin: margin, zeroed: false)
        for b in 0..<images { (base + b * channels * hw).update(from: x + b * imageStride, count: channels * hw) }
    }

    /// Adds the planes into dx (col2im's contract: accumulate), image b at dx + b·imageStride.
    func add(into dx: UnsafeMutablePointer<Float>, imageStride: Int, images: Int, channels: Int) {
        for b in 0..<images {
            for c in 0..<channels {
                let src = base + (b * channels + c) * hw, dst = dx + b * imageStride + c * hw
                for j in 0..<hw { dst[j] += src[j] }
            }
        }
    }
}

/// Per tap (ki, kj): all-ones where output position t reads inside the image, else zero.
struct TapMasks {
    let bits: [UInt32]   // kH·kW × Ho·Wo
    let offsets: [Int]   // per tap: di·W + dj
    let margin: Int      // max |offset|

    init(_ g: ConvGeometry, h: Int, w: Int, ho: Int, wo: Int) {
        let hwo = ho * wo, taps = g.kernelH * g.kernelW
        var m = [UInt32](repeating: 0, count: taps * hwo)
        var off = [Int](repeating: 0, count: taps)
        for ki in 0..<g.kernelH {
            let di = ki * g.dilationH - g.padH
            for kj in 0..<g.kernelW {
                let dj = kj * g.dilationW - g.padW, tap = ki * g.kernelW + kj
                off[tap] = di * w + dj
                for oy in 0..<ho where oy * g.strideH + di >= 0 && oy * g.strideH + di < h {
                    for ox in 0..<wo where ox * g.strideW + dj >= 0 && ox * g.strideW + dj < w {
                        m[tap * hwo + oy * wo + ox] = ~0
                    }
                }
            }
        }
        bits = m; offsets = off
        margin = off.map { Swift.abs($0) }.max() ?? 0
        var ix = [Int](repeating: 0, count: hwo)
        for oy in 0..<ho { for ox in 0..<wo { ix[oy * wo + ox] = oy * g.strideH * w + ox * g.strideW } }
        index = ix
    }

    /// Per output position t: where its window starts in the plane (oy·sH·W + ox·sW); a tap
    /// reads index[t] + offsets[tap]. For stride 1 with Wo = W this is t itself.
    let index: [Int]
}

/// im2col for stride 1, Wo = W, Ho·Wo small (same layout and contract as `im2col`).
func im2colSmallStride1(_ x: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                        ho: Int, wo: Int, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo, taps = g.kernelH * g.kernelW
    let tm = TapMasks(g, h: h, w: w, ho: ho, wo: wo)
    let buf = MarginBuffer(copying: x, imageStride: imageStride, images: images, channels: channels, hw: hw, margin: tm.margin)
    let base = buf.base
    tm.bits.withUnsafeBufferPointer { mb in
        let masks = UnsafeRawPointer(mb.baseAddress!).assumingMemoryBound(to: UInt32.self)
        let src0 = UnsafeRawPointer(base), dst0 = UnsafeMutableRawPointer(col)
        for c in 0..<channels {
            for tap in 0..<taps {
                let m = masks + tap * hwo, off = tm.offsets[tap]
                let row = (c * taps + tap) * ldcol
                for b in 0..<images {
                    let s = src0 + ((b * channels + c) * hw + off) * 4
                    let d = dst0 + (row + b * hwo) * 4
                    var t = 0
                    while t + 8 <= hwo {
                        let v = s.loadUnaligned(fromByteOffset: t * 4, as: SIMD8<UInt32>.self)
                        let k = UnsafeRawPointer(m).loadUnaligned(fromByteOffset: t * 4, as: SIMD8<UInt32>.self)
                        d.storeBytes(of: v & k, toByteOffset: t * 4, as: SIMD8<UInt32>.self)
                        t += 8
                    }
                    while t < hwo {
                        d.storeBytes(of: s.load(fromByteOffset: t * 4, as: UInt32.self) & m[t], toByteOffset: t * 4, as: UInt32.self)
                        t += 1
                    }
                }
            }
        }
    }
}

/// Adjoint of `im2colSmallStride1` (contract of `col2im`: accumulates into dx). The taps are
/// summed, masked, into a private zeroed copy of the chunk with the same margins — whole shifted
/// planes, no bounds tests, no writes outside this call's images — then added into dx.
func col2imSmallStride1(_ col: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                        ho: Int, wo: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo, taps = g.kernelH * g.kernelW
    let tm = TapMasks(g, h: h, w: w, ho: ho, wo: wo)
    let buf = MarginBuffer(planes: images * channels, hw: hw, margin: tm.margin, zeroed: true)
    let base = buf.base
    tm.bits.withUnsafeBufferPointer { mb in
        let masks = UnsafeRawPointer(mb.baseAddress!)
        for c in 0..<channels {
            for tap in 0..<taps {
                let m = masks + tap * hwo * 4, off = tm.offsets[tap]
                let row = (c * taps + tap) * ldcol
                for b in 0..<images {
                    let s = UnsafeRawPointer(col + row + b * hwo)
                    let d = base + (b * channels + c) * hw + off
                    var t = 0
                    while t + 8 <= hwo {
                        let bits = s.loadUnaligned(fromByteOffset: t * 4, as: SIMD8<UInt32>.self)
                            & m.loadUnaligned(fromByteOffset: t * 4, as: SIMD8<UInt32>.self)
                        let v = unsafeBitCast(bits, to: SIMD8<Float>.self)
                        let raw = UnsafeMutableRawPointer(d + t)
                        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + v, as: SIMD8<Float>.self)
                        t += 8
                    }
                    while t < hwo {
                        d[t] += Float(bitPattern: s.load(fromByteOffset: t * 4, as: UInt32.self) & m.load(fromByteOffset: t * 4, as: UInt32.self))
                        t += 1
                    }
                }
            }
        }
    }
    buf.add(into: dx, imageStride: imageStride, images: images, channels: channels)
}

/// im2col for strided convolutions on small maps (Ho·Wo ≤ 64): as `im2colSmallStride1`, but a
/// tap's positions are a fixed gather (`TapMasks.index`) rather than a contiguous span.
func im2colSmallStrided(_ x: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                        ho: Int, wo: Int, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo, taps = g.kernelH * g.kernelW
    let tm = TapMasks(g, h: h, w: w, ho: ho, wo: wo)
    let buf = MarginBuffer(copying: x, imageStride: imageStride, images: images, channels: channels, hw: hw, margin: tm.margin)
    let base = buf.base
    tm.bits.withUnsafeBufferPointer { mb in
    tm.index.withUnsafeBufferPointer { ib in
        let idx = ib.baseAddress!
        let src0 = UnsafeRawPointer(base).assumingMemoryBound(to: UInt32.self)
        let dst0 = UnsafeMutableRawPointer(col).assumingMemoryBound(to: UInt32.self)
        for c in 0..<channels {
            for tap in 0..<taps {
                let m = mb.baseAddress! + tap * hwo, off = tm.offsets[tap]
                let row = (c * taps + tap) * ldcol
                for b in 0..<images {
                    let s = src0 + (b * channels + c) * hw + off, d = dst0 + row + b * hwo
                    for t in 0..<hwo { d[t] = s[idx[t]] & m[t] }
                }
            }
        }
    }
    }
}

/// Adjoint of `im2colSmallStrided` (contract of `col2im`).
func col2imSmallStrided(_ col: UnsafePointer<Float>, imageStride: Int, images: Int, channels: Int, h: Int, w: Int,
                        ho: Int, wo: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
    let hw = h * w, hwo = ho * wo, ldcol = images * hwo, taps = g.kernelH * g.kernelW
    let tm = TapMasks(g, h: h, w: w, ho: ho, wo: wo)
    let buf = MarginBuffer(planes: images * channels, hw: hw, margin: tm.margin, zeroed: true)
    let base = buf.base
    tm.bits.withUnsafeBufferPointer { mb in
    tm.index.withUnsafeBufferPointer { ib in
        let idx = ib.baseAddress!
        let src0 = UnsafeRawPointer(col).assumingMemoryBound(to: UInt32.self)
        for c in 0..<channels {
            for tap in 0..<taps {
                let m = mb.baseAddress! + tap * hwo, off = tm.offsets[tap]
                let row = (c * taps + tap) * ldcol
                for b in 0..<images {
                    let s = src0 + row + b * hwo, d = base + (b * channels + c) * hw + off
                    // Positions of one tap are distinct (stride ≥ 1), so no two t hit one pixel.
                    for t in 0..<hwo { d[idx[t]] += Float(bitPattern: s[t] & m[t]) }
                }
            }
        }
    }
    }
    buf.add(into: dx, imageStride: imageStride, images: images, channels: channels)
}
