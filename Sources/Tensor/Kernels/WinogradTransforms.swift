// Winograd F(2×2, 3×3) transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for stride-1, undilated 3×3 convolutions. A 2×2 output tile is
//   Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
// with d_c the 4×4 input tile of channel c starting at (2·ty − padH, 2·tx − padW):
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
// The reverse mode uses the same matrices: dM = A dY Aᵀ, dg = Gᵀ dU G, dd = B dV Bᵀ
// (scatter-added: neighbouring input tiles overlap by two rows/columns).
//
// Layout of a chunk of `lanes` images: X[ξ][c][t] with ξ = 4·i + j the position in the 4×4
// transformed tile, c the channel and t = tile·lanes + b (tile = ty·tilesW + tx, b the image).
// Each ξ is one (channels × T) matrix, so the 16 products are plain GEMMs, and the images are
// innermost so every transform runs on SIMD vectors across images, whatever the map size (the
// late ResNet stages have 8×4 and 4×2 maps: a handful of tiles per plane). A channel's planes are
// first transposed into a position-major buffer P[py][px][b] (zero-padded), which is small and
// stays in cache. Weights: U[ξ][co][ci]. Each function handles one channel of the chunk, so
// callers split channels over workers with no shared writes.

// Lane helpers (load8, store8, planesToLanes, lanesToPlanes): LaneLayout.swift.

/// Tile geometry of one Winograd convolution (input h × w, output ho × wo, stride 1) for a
/// chunk of `lanes` images.
struct WinogradTiles {
    let h: Int, w: Int, ho: Int, wo: Int, padH: Int, padW: Int, lanes: Int
    let tilesH: Int, tilesW: Int
    var perImage: Int { tilesH * tilesW }
    /// Columns of one channel's row of X: T = tiles · lanes.
    var t: Int { perImage * lanes }
    /// Zero-padded input positions that every tile reads in bounds: (2·tilesH + 2) × (2·tilesW + 2).
    var paddedH: Int { 2 * tilesH + 2 }
    var paddedW: Int { 2 * tilesW + 2 }
    /// Floats of the position-major input buffer P and output buffer Q of one channel.
    var inputBufferCount: Int { paddedH * paddedW * lanes }
    var outputBufferCount: Int { 4 * perImage * lanes }

    init(h: Int, w: Int, ho: Int, wo: Int, padH: Int, padW: Int, lanes: Int) {
        self.h = h; self.w = w; self.ho = ho; self.wo = wo; self.padH = padH; self.padW = padW; self.lanes = lanes
        tilesH = (ho + 1) / 2; tilesW = (wo + 1) / 2
    }

    // MARK: forward

    /// V[ξ][t] = (Bᵀ d B)[ξ] for one channel: `x` is the channel's plane of the chunk's first
    /// image (images `imageStride` apart), v its row of X[0] (row ξ at v + ξ·xiStride). `p`
    /// (inputBufferCount floats) must have zero borders: only the interior is written, so a
    /// buffer zeroed once serves every channel.
    func inputTransform(_ x: UnsafePointer<Float>, imageStride: Int, _ v: UnsafeMutablePointer<Float>, xiStride: Int,
                        p: UnsafeMutablePointer<Float>) {
        let n = lanes, pw = paddedW
        planesToLanes(x, imageStride: imageStride, images: n, rows: h, cols: w, p + (padH * pw + padW) * n, rowStride: pw, laneStride: n)
        forEachTile { tile, ty, tx, b0, k in
            let base = UnsafePointer(p + (2 * ty * pw + 2 * tx) * n + b0)
            // Bᵀ on the rows of the tile, one column l at a time: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
            func rows(_ l: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                let d0 = load8(base + l * n, k), d1 = load8(base + (pw + l) * n, k)
                let d2 = load8(base + (2 * pw + l) * n, k), d3 = load8(base + (3 * pw + l) * n, k)
                return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
            }
            let c0 = rows(0), c1 = rows(1), c2 = rows(2), c3 = rows(3)
            // B on the columns of each row i: (c0 − c2, c1 + c2, c2 − c1, c1 − c3).
            let out = v + tile * n + b0
            func put(_ i: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) {
                let o = out + 4 * i * xiStride
                store8(a - c, o, k); store8(b + c, o + xiStride, k)
                store8(c - b, o + 2 * xiStride, k); store8(b - d, o + 3 * xiStride, k)
            }
            put(0, c0.0, c1.0, c2.0, c3.0); put(1, c0.1, c1.1, c2.1, c3.1)
            put(2, c0.2, c1.2, c2.2, c3.2); put(3, c0.3, c1.3, c2.3, c3.3)
        }
    }

    /// Runs body(tile, ty, tx, firstLane, laneCount) over every tile and block of ≤ 8 images.
    @inline(__always)
    private func forEachTile(_ body: (Int, Int, Int, Int, Int) -> Void) {
        var b0 = 0
        while b0 < lanes {
            let k = Swift.min(8, lanes - b0)
            for ty in 0..<tilesH { for tx in 0..<tilesW { body(ty * tilesW + tx, ty, tx, b0, k) } }
            b0 += 8
        }
    }

    /// y = Aᵀ M A (+ bias) for one output channel: m its row of M[0] (row ξ at m + ξ·xiStride),
    /// y the channel's plane of the chunk's first image (images `imageStride` apart); `q` is
    /// scratch of outputBufferCount floats.
    func outputTransform(_ m: UnsafePointer<Float>, xiStride: Int, bias: Float, _ y: UnsafeMutablePointer<Float>,
                         imageStride: Int, q: UnsafeMutablePointer<Float>) {
        let n = lanes, ow = 2 * tilesW
        forEachTile { tile, ty, tx, b0, k in
            let mt = m + tile * n + b0
            // Aᵀ on the rows: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3, per column j.
            func rows(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                let a = load8(mt + j * xiStride, k), b = load8(mt + (4 + j) * xiStride, k)
                let c = load8(mt + (8 + j) * xiStride, k), d = load8(mt + (12 + j) * xiStride, k)
                return (a + b + c, b - c - d)
            }
            let r0 = rows(0), r1 = rows(1), r2 = rows(2), r3 = rows(3)
            let bv = SIMD8<Float>(repeating: bias)
            let o = q + (2 * ty * ow + 2 * tx) * n + b0
            // A on the columns: (s0 + s1 + s2, s1 − s2 − s3).
            store8(r0.0 + r1.0 + r2.0 + bv, o, k); store8(r1.0 - r2.0 - r3.0 + bv, o + n, k)
            store8(r0.1 + r1.1 + r2.1 + bv, o + ow * n, k); store8(r1.1 - r2.1 - r3.1 + bv, o + (ow + 1) * n, k)
        }
        lanesToPlanes(q, rowStride: ow, laneStride: n, images: n, rows: ho, cols: wo, y, imageStride: imageStride)
    }

    // MARK: backward

    /// dM[ξ][t] = (A dY Aᵀ)[ξ] for one output channel (dy laid out like y above). `q`
    /// (outputBufferCount floats) must be zero outside ho × wo: only that part is written.
    func outputGradientTransform(_ dy: UnsafePointer<Float>, imageStride: Int, _ dm: UnsafeMutablePointer<Float>,
                                 xiStride: Int, q: UnsafeMutablePointer<Float>) {
        let n = lanes, ow = 2 * tilesW
        planesToLanes(dy, imageStride: imageStride, images: n, rows: ho, cols: wo, q, rowStride: ow, laneStride: n)
        forEachTile { tile, ty, tx, b0, k in
            let g = UnsafePointer(q + (2 * ty * ow + 2 * tx) * n + b0)
            let a = load8(g, k), b = load8(g + n, k), c = load8(g + ow * n, k), d = load8(g + (ow + 1) * n, k)
            // A dY: rows (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); each row (p, q)·Aᵀ =
            // (p, p + q, p − q, −q).
            let out = dm + tile * n + b0
            func put(_ i: Int, _ p: SIMD8<Float>, _ r: SIMD8<Float>) {
                let o = out + 4 * i * xiStride
                store8(p, o, k); store8(p + r, o + xiStride, k); store8(p - r, o + 2 * xiStride, k); store8(-r, o + 3 * xiStride, k)
            }
            put(0, a, b); put(1, a + c, b + d); put(2, a - c, b - d); put(3, -c, -d)
        }
    }

    /// dx = Σ_tiles B dV Bᵀ for one input channel, scattered back to the tiles' positions and
    /// written (not added) to the channel's planes. `p` is scratch of inputBufferCount floats.
    func inputGradientTransform(_ dv: UnsafePointer<Float>, xiStride: Int, _ dx: UnsafeMutablePointer<Float>,
                                imageStride: Int, p: UnsafeMutablePointer<Float>) {
        let n = lanes, pw = paddedW
        p.update(repeating: 0, count: inputBufferCount)
        forEachTile { tile, ty, tx, b0, k in
            let vt = dv + tile * n + b0
            // B on the rows: k0 = v0, k1 = v1 − v2 + v3, k2 = −v0 + v1 + v2, k3 = −v3, per column j.
            func rows(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                let v0 = load8(vt + j * xiStride, k), v1 = load8(vt + (4 + j) * xiStride, k)
                let v2 = load8(vt + (8 + j) * xiStride, k), v3 = load8(vt + (12 + j) * xiStride, k)
                return (v0, v1 - v2 + v3, v2 + v1 - v0, -v3)
            }
            let c0 = rows(0), c1 = rows(1), c2 = rows(2), c3 = rows(3)
            // Bᵀ on the columns of row i, added into the (overlapping) tile:
            // (k0, k1 − k2 + k3, −k0 + k1 + k2, −k3).
            let base = p + (2 * ty * pw + 2 * tx) * n + b0
            func add(_ i: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) {
                let o = base + i * pw * n
                store8(load8(o, k) + a, o, k)
                store8(load8(o + n, k) + b - c + d, o + n, k)
                store8(load8(o + 2 * n, k) + b + c - a, o + 2 * n, k)
                store8(load8(o + 3 * n, k) - d, o + 3 * n, k)
            }
            add(0, c0.0, c1.0, c2.0, c3.0); add(1, c0.1, c1.1, c2.1, c3.1)
            add(2, c0.2, c1.2, c2.2, c3.2); add(3, c0.3, c1.3, c2.3, c3.3)
        }
        lanesToPlanes(p + (padH * pw + padW) * n, rowStride: pw, laneStride: n, images: n, rows: h, cols: w, dx, imageStride: imageStride)
    }
}

/// Lanes ci ..< ci + n (n ≤ 8) of a strided row: p[lane·stride].
@inline(__always)
private func gather8(_ p: UnsafePointer<Float>, stride: Int, _ n: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for i in 0..<n { v[i] = p[i * stride] }
    return v
}

@inline(__always)
private func scatter8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, stride: Int, _ n: Int) {
    for i in 0..<n { p[i * stride] = v[i] }
}

/// Runs body(co, ci, n) over output channels co0 ..< co1 and blocks of n ≤ 8 input channels
/// ci ..< ci + n (U and dU rows are contiguous in ci).
@inline(__always)
private func forEachChannelBlock(_ co0: Int, _ co1: Int, cin: Int, _ body: (Int, Int, Int) -> Void) {
    for co in co0..<co1 {
        var ci = 0
        while ci < cin { body(co, ci, Swift.min(8, cin - ci)); ci += 8 }
    }
}

/// U[ξ][co][ci] = (G g Gᵀ)[ξ] for weights (Cout, Cin, 3, 3), output channels co0 ..< co1.
func winogradWeightTransform(_ w: UnsafePointer<Float>, cout: Int, cin: Int, _ u: UnsafeMutablePointer<Float>,
                             channels co0: Int, _ co1: Int) {
    let s = cout * cin
    let half = SIMD8<Float>(repeating: 0.5)
    forEachChannelBlock(co0, co1, cin: cin) { co, ci, n in
        let g = w + (co * cin + ci) * 9
        @inline(__always) func tap(_ k: Int) -> SIMD8<Float> { gather8(g + k, stride: 9, n) }
        let o = u + co * cin + ci
        // Rows of G g: g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2 (column j of each); then each
        // row (a, b, c)·Gᵀ = (a, ½(a + b + c), ½(a − b + c), c).
        @inline(__always) func row(_ i: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) {
            let oi = o + 4 * i * s
            store8(a, oi, n); store8(half * (a + b + c), oi + s, n)
            store8(half * (a - b + c), oi + 2 * s, n); store8(c, oi + 3 * s, n)
        }
        let g0 = (tap(0), tap(1), tap(2)), g1 = (tap(3), tap(4), tap(5)), g2 = (tap(6), tap(7), tap(8))
        row(0, g0.0, g0.1, g0.2)
        row(1, half * (g0.0 + g1.0 + g2.0), half * (g0.1 + g1.1 + g2.1), half * (g0.2 + g1.2 + g2.2))
        row(2, half * (g0.0 - g1.0 + g2.0), half * (g0.1 - g1.1 + g2.1), half * (g0.2 - g1.2 + g2.2))
        row(3, g2.0, g2.1, g2.2)
    }
}

/// dW (Cout, Cin, 3, 3) = Gᵀ dU G for output channels co0 ..< co1; dU laid out like U.
func winogradWeightGradient(_ du: UnsafePointer<Float>, cout: Int, cin: Int, _ dw: UnsafeMutablePointer<Float>,
                            channels co0: Int, _ co1: Int) {
    let s = cout * cin
    let half = SIMD8<Float>(repeating: 0.5)
    forEachChannelBlock(co0, co1, cin: cin) { co, ci, n in
        let d = du + co * cin + ci
        // Column j of Gᵀ dU: rows u0 + ½(u1 + u2), ½(u1 − u2), ½(u1 + u2) + u3.
        @inline(__always) func column(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            let u0 = load8(d + j * s, n), u1 = load8(d + (4 + j) * s, n)
            let u2 = load8(d + (8 + j) * s, n), u3 = load8(d + (12 + j) * s, n)
            return (u0 + half * (u1 + u2), half * (u1 - u2), half * (u1 + u2) + u3)
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
        // Each row q·G = (q0 + ½(q1 + q2), ½(q1 − q2), ½(q1 + q2) + q3).
        let o = dw + (co * cin + ci) * 9
        @inline(__always) func row(_ i: Int, _ q0: SIMD8<Float>, _ q1: SIMD8<Float>, _ q2: SIMD8<Float>, _ q3: SIMD8<Float>) {
            scatter8(q0 + half * (q1 + q2), o + 3 * i, stride: 9, n)
            scatter8(half * (q1 - q2), o + 3 * i + 1, stride: 9, n)
            scatter8(half * (q1 + q2) + q3, o + 3 * i + 2, stride: 9, n)
        }
        row(0, c0.0, c1.0, c2.0, c3.0); row(1, c0.1, c1.1, c2.1, c3.1); row(2, c0.2, c1.2, c2.2, c3.2)
    }
}
