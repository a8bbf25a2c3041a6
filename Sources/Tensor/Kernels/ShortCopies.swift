// Copies of short runs (the 4–64-float rows and planes of late-stage feature maps), used by the
// im2col, conv chunk and depthwise kernels. At these lengths a `memmove` call per run cost as
// much as the copy itself, and the auto-vectorised loop's wide body never ran.

/// d[0..<n] = s[0..<n] for the short rows of small feature maps (4–32 floats), four lanes at a
/// time: the auto-vectorised loop's wide main body never runs at these lengths and its scalar
/// remainder is what made the gather slow.
@inline(__always)
func copyShortRow(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
    let rs = UnsafeRawPointer(s), rd = UnsafeMutableRawPointer(d)
    var i = 0
    while i + 4 <= n {
        rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self), toByteOffset: i * 4, as: SIMD4<Float>.self)
        i += 4
    }
    while i < n { d[i] = s[i]; i += 1 }
}

/// d[0..<n] = s[0..<n] for the per-image runs a chunked conv gathers and scatters (one plane of
/// a small map, 8–64 floats): inline four-lane copies below 64 floats, where a memmove call per
/// run cost as much as the copy; memmove above.
@inline(__always)
func copyRun(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
    if n <= 64 { copyShortRow(s, d, n) } else { d.update(from: s, count: n) }
}
