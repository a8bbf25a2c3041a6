// Depthwise convolution (groups = Cin = Cout) with images as SIMD lanes, for batches of ≥ 8 on
// small output maps (`usesDepthwiseLanes`).
// For one channel and a group of up to 8 images, the zero-padded input planes are interleaved
// position-major, P[(py·Wp + px)·8 + b] (b the image), so every tap at every output position is
// one 8-lane multiply-add, whatever the stride, dilation or map size. The per-plane kernel
// (DepthwiseConv.swift) works one plane at a time, and on MobileNetV2's 16×8 … 4×2 maps its
// per-plane setup (phase split, short axpys, copies) cost more than the arithmetic. Each task
// (channel, image group) writes its own output planes and its own filter-gradient partial, which
// are summed over the groups in a fixed order: results do not depend on the thread count.
// Layout NCHW; weight (C, 1, kH, kW).

/// Geometry of the lane layout for one depthwise convolution.
struct DepthwiseLanes {
    static let lanes = 8
    let hp: Int, wp: Int          // zero-padded input plane
    let taps: [Int]               // per tap: offset of its read in P, in positions
    let groups: Int               // image groups of `lanes`

    init(_ p: ConvPlan) {
        let g = p.geo
        hp = p.h + 2 * g.padH; wp = p.w + 2 * g.padW
        var t: [Int] = []
        for ki in 0..<g.kernelH { for kj in 0..<g.kernelW { t.append(ki * g.dilationH * wp + kj * g.dilationW) } }
        taps = t
        groups = (p.n + Self.lanes - 1) / Self.lanes
    }

    var planeCount: Int { hp * wp * Self.lanes }

    /// Interleaves channel c of images n0 ..< n0 + count into the interior of P (border and
    /// unused lanes must already be zero).
    func fill(_ p: ConvPlan, _ x: UnsafePointer<Float>, channel c: Int, first n0: Int, count: Int,
              into buf: UnsafeMutablePointer<Float>) {
        let hw = p.h * p.w
        planesToLanes(x + n0 * p.cin * hw + c * hw, imageStride: p.cin * hw, images: count, rows: p.h, cols: p.w,
                      buf + (p.geo.padH * wp + p.geo.padW) * Self.lanes, rowStride: wp, laneStride: Self.lanes)
    }

    /// Start of output position (oy, ox)'s window in P, in positions.
    @inline(__always)
    func window(_ p: ConvPlan, _ oy: Int, _ ox: Int) -> Int { oy * p.geo.strideH * wp + ox * p.geo.strideW }
}

/// Whether a depthwise convolution takes the lane kernel: batches of at least 8 images and small
/// output maps (≤ 64 positions). On larger maps the per-plane kernel's long axpys are already
/// vectorised, and the lane layout's transposes in and out cost more (measured, MobileNetV2
/// layers at batch 64: 32×16 → 16×8 stride 2 ran at 4.9 GFLOP/s with lanes against 8.2 per plane,
/// 16×8 → 8×4 at 10.0 against 6.1).
func usesDepthwiseLanes(_ p: ConvPlan) -> Bool { p.n >= DepthwiseLanes.lanes && p.hwo <= 64 }

func depthwiseLanesForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                           _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
    let dl = DepthwiseLanes(p), l = DepthwiseLanes.lanes, kk = dl.taps.count, hwo = p.hwo
    Parallel.forRange(p.cin * dl.groups, grain: Swift.max(1, 4096 / Swift.max(hwo * kk, 1))) { range in
        let buf = Storage(zeros: dl.planeCount), out = Storage(count: hwo * l)
        let bp = buf.pointer, op = out.pointer
        var partial = false
        dl.taps.withUnsafeBufferPointer { taps in
            for task in range {
                let c = task / dl.groups, n0 = (task % dl.groups) * l, count = Swift.min(l, p.n - n0)
                if count < l || partial { bp.update(repeating: 0, count: dl.planeCount); partial = count < l }
                dl.fill(p, x, channel: c, first: n0, count: count, into: bp)
                let wc = w + c * kk, b0 = SIMD8<Float>(repeating: bias?[c] ?? 0)
                for oy in 0..<p.ho {
                    for ox in 0..<p.wo {
                        let base = bp + dl.window(p, oy, ox) * l
                        var acc = b0
                        for t in 0..<kk { acc += SIMD8(repeating: wc[t]) * load8(base + taps[t] * l, l) }
                        store8(acc, op + (oy * p.wo + ox) * l, l)
                    }
                }
                lanesToPlanes(op, rowStride: hwo, laneStride: l, images: count, rows: 1, cols: hwo,
                              y + n0 * p.cout * hwo + c * hwo, imageStride: p.cout * hwo)
            }
        }
    }
}

func depthwiseLanesBackward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                            _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?, _ db: UnsafeMutablePointer<Float>?) {
    let dl = DepthwiseLanes(p), l = DepthwiseLanes.lanes, kk = dl.taps.count, hwo = p.hwo, hw = p.h * p.w
    let tasks = p.cin * dl.groups
    // Per task (channel c, group g) at c·groups + g: its filter and bias gradient partials.
    let dwParts = dw == nil ? nil : Storage(count: tasks * kk)
    let dbParts = db == nil ? nil : Storage(count: tasks)
    Parallel.forRange(tasks, grain: Swift.max(1, 4096 / Swift.max(hwo * kk, 1))) { range in
        let buf = Storage(zeros: dl.planeCount), grad = Storage(zeros: hwo * l)
        let dbuf = dx == nil ? nil : Storage(count: dl.planeCount)
        let bp = buf.pointer, gp = grad.pointer
        var partial = false
        dl.taps.withUnsafeBufferPointer { taps in
            for task in range {
                let c = task / dl.groups, n0 = (task % dl.groups) * l, count = Swift.min(l, p.n - n0)
                if count < l || partial {
                    bp.update(repeating: 0, count: dl.planeCount); gp.update(repeating: 0, count: hwo * l)
                    partial = count < l
                }
                planesToLanes(dy + n0 * p.cout * hwo + c * hwo, imageStride: p.cout * hwo, images: count, rows: 1, cols: hwo,
                              gp, rowStride: hwo, laneStride: l)
                if let parts = dbParts {
                    var s = SIMD8<Float>()
                    for o in 0..<hwo { s += load8(gp + o * l, l) }
                    parts.pointer[task] = s.sum()
                }
                if let parts = dwParts {
                    dl.fill(p, x, channel: c, first: n0, count: count, into: bp)
                    for t in 0..<kk {
                        var s = SIMD8<Float>()
                        for oy in 0..<p.ho {
                            for ox in 0..<p.wo {
                                s += load8(gp + (oy * p.wo + ox) * l, l) * load8(bp + (dl.window(p, oy, ox) + taps[t]) * l, l)
                            }
                        }
                        parts.pointer[task * kk + t] = s.sum()
                    }
                }
                if let dx = dx, let dbuf = dbuf {
                    let dp = dbuf.pointer, wc = w + c * kk
                    dp.update(repeating: 0, count: dl.planeCount)
                    for oy in 0..<p.ho {
                        for ox in 0..<p.wo {
                            let g = load8(gp + (oy * p.wo + ox) * l, l), base = dp + dl.window(p, oy, ox) * l
                            for t in 0..<kk {
                                let d = base + taps[t] * l
                                store8(load8(d, l) + SIMD8(repeating: wc[t]) * g, d, l)
                            }
                        }
                    }
                    lanesToPlanes(dp + (p.geo.padH * dl.wp + p.geo.padW) * l, rowStride: dl.wp, laneStride: l, images: count,
                                  rows: p.h, cols: p.w, dx + n0 * p.cin * hw + c * hw, imageStride: p.cin * hw)
                }
            }
        }
    }
    if let dw = dw, let parts = dwParts {
        for c in 0..<p.cin {
            for t in 0..<kk {
                var s: Float = 0
                for g in 0..<dl.groups { s += parts.pointer[(c * dl.groups + g) * kk + t] }
                dw[c * kk + t] = s
            }
        }
    }
    if let db = db, let parts = dbParts {
        for c in 0..<p.cin {
            var s: Float = 0
            for g in 0..<dl.groups { s += parts.pointer[c * dl.groups + g] }
            db[c] = s
        }
    }
}
