// Images as SIMD lanes: position-major buffers X[(r·rowStride + c)·laneStride + b] holding up to
// eight images' planes side by side, so a kernel computes every image of a group with one SIMD8
// operation whatever the map size. Used by the Winograd transforms (lane stride = the chunk's
// image count) and the depthwise lane kernel (lane stride 8, the last group partial).

/// Up to 8 lanes of p (a partial vector at the end of a row of images).
@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD8<Float> {
    if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
    var v = SIMD8<Float>()
    for i in 0..<n { v[i] = p[i] }
    return v
}

/// Stores the first n lanes of v at p.
@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
    for i in 0..<n { p[i] = v[i] }
}

/// Copies `rows × cols` planes of `images` images (`imageStride` apart) into the position-major
/// layout dst[(r·rowStride + c)·laneStride + b]; lanes ≥ images are left as they are.
@inline(__always)
func planesToLanes(_ src: UnsafePointer<Float>, imageStride: Int, images: Int, rows: Int, cols: Int,
                   _ dst: UnsafeMutablePointer<Float>, rowStride: Int, laneStride: Int) {
    for b in 0..<images {
        let s = src + b * imageStride
        for r in 0..<rows {
            let d = dst + r * rowStride * laneStride + b
            for c in 0..<cols { d[c * laneStride] = s[r * cols + c] }
        }
    }
}

/// The inverse of `planesToLanes`.
@inline(__always)
func lanesToPlanes(_ src: UnsafePointer<Float>, rowStride: Int, laneStride: Int, images: Int, rows: Int, cols: Int,
                   _ dst: UnsafeMutablePointer<Float>, imageStride: Int) {
    for b in 0..<images {
        let d = dst + b * imageStride
        for r in 0..<rows {
            let s = src + r * rowStride * laneStride + b
            for c in 0..<cols { d[r * cols + c] = s[c * laneStride] }
        }
    }
}
