// Per-plane reductions of batch norm's forward statistics and backward sums, eight lanes wide.
// A single running Float sum is a chain of dependent adds (~4 cycles each, and not vectorised,
// since reassociating would change the result); these keep 8 independent partial sums in a
// SIMD8 register instead — same values up to float rounding, several times faster on the short
// planes of late ResNet stages. The tails (n mod 8) are added one by one.

@inline(__always)
private func load8(_ p: UnsafePointer<Float>, at i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
}

/// Σ (p[j] − mu)² over n floats.
@inline(__always)
func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, mu: Float) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    let m = SIMD8<Float>(repeating: mu)
    var i = 0
    while i + 8 <= n { let d = load8(p, at: i) - m; acc += d * d; i += 8 }
    var s = acc.sum()
    while i < n { let d = p[i] - mu; s += d * d; i += 1 }
    return s
}

/// (Σ g, Σ g·(x − mu)) over n floats.
@inline(__always)
func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, mu: Float) -> (Float, Float) {
    var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
    let m = SIMD8<Float>(repeating: mu)
    var i = 0
    while i + 8 <= n { let gv = load8(g, at: i); a += gv; b += gv * (load8(x, at: i) - m); i += 8 }
    var sa = a.sum(), sb = b.sum()
    while i < n { sa += g[i]; sb += g[i] * (x[i] - mu); i += 1 }
    return (sa, sb)
}

/// The same sums for the ReLU-gated gradient g0·[y > 0], which is also written to `out`.
@inline(__always)
func gatedGradientSums(_ g0: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                       _ out: UnsafeMutablePointer<Float>, _ n: Int, mu: Float, cap: Float = .infinity) -> (Float, Float) {
    var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
    let m = SIMD8<Float>(repeating: mu), zero = SIMD8<Float>(repeating: 0), top = SIMD8<Float>(repeating: cap)
    // ReLU passes where y > 0; a capped ReLU (ReLU6) also needs y < cap, as PyTorch's hardtanh.
    let capped = cap.isFinite
    var i = 0
    while i + 8 <= n {
        let yv = load8(y, at: i)
        var open = yv .> zero
        if capped { open .&= yv .< top }
        let gv = zero.replacing(with: load8(g0, at: i), where: open)
        UnsafeMutableRawPointer(out + i).storeBytes(of: gv, as: SIMD8<Float>.self)
        a += gv; b += gv * (load8(x, at: i) - m)
        i += 8
    }
    var sa = a.sum(), sb = b.sum()
    while i < n {
        let gv = y[i] > 0 && (!capped || y[i] < cap) ? g0[i] : 0
        out[i] = gv; sa += gv; sb += gv * (x[i] - mu)
        i += 1
    }
    return (sa, sb)
}
