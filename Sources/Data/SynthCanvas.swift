// A float RGB canvas with the few drawing primitives the synthetic generator needs, and the
// camera pipeline (cast, brightness, contrast, blur, noise) applied at the end.
import Tensor

struct SynthCanvas {
    typealias RGB = SynthPalette.RGB
    let width: Int, height: Int
    var p: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        p = [Float](repeating: 0, count: width * height * 3)
    }

    @inline(__always) mutating func set(_ x: Int, _ y: Int, _ c: RGB) {
        let i = 3 * (y * width + x)
        p[i] = c.0; p[i + 1] = c.1; p[i + 2] = c.2
    }

    /// Pixels whose centres fall in [x0, x1) × [y0, y1) (corners in either order), clipped to the canvas.
    func span(_ xa: Float, _ xb: Float, _ ya: Float, _ yb: Float) -> (Range<Int>, Range<Int>) {
        let x0 = min(xa, xb), x1 = max(xa, xb), y0 = min(ya, yb), y1 = max(ya, yb)
        let a = max(0, Int((x0 - 0.5).rounded(.up))), b = min(width, Int((x1 - 0.5).rounded(.up)))
        let c = max(0, Int((y0 - 0.5).rounded(.up))), d = min(height, Int((y1 - 0.5).rounded(.up)))
        return (a..<max(a, b), c..<max(c, d))
    }

    mutating func rect(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ c: RGB) {
        let (xs, ys) = span(x0, x1, y0, y1)
        for y in ys { for x in xs { set(x, y, c) } }
    }

    /// A rectangle whose colour depends on the pixel (textures).
    mutating func rect(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ colour: (Int, Int) -> RGB) {
        let (xs, ys) = span(x0, x1, y0, y1)
        for y in ys { for x in xs { set(x, y, colour(x, y)) } }
    }

    mutating func ellipse(cx: Float, cy: Float, rx: Float, ry: Float, _ c: RGB, upperOnly: Bool = false) {
        let (xs, ys) = span(cx - rx, cx + rx, cy - ry, upperOnly ? cy : cy + ry)
        for y in ys {
            for x in xs {
                let dx = (Float(x) + 0.5 - cx) / rx, dy = (Float(y) + 0.5 - cy) / ry
                if dx * dx + dy * dy <= 1 { set(x, y, c) }
            }
        }
    }

    /// A thin line (for straps), drawn as a chain of small squares.
    mutating func line(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, thickness t: Float, _ c: RGB) {
        let n = Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)) + 1
        for i in 0...n {
            let f = Float(i) / Float(n)
            let x = x0 + (x1 - x0) * f, y = y0 + (y1 - y0) * f
            rect(x - t / 2, y - t / 2, x + t / 2, y + t / 2, c)
        }
    }

    /// The camera: colour gain, brightness, contrast around mid-grey, box blur, sensor noise.
    mutating func applyCamera(_ cam: SynthCamera, extraBrightness: Float, rng: inout RandomGenerator) {
        let gains = [cam.gain.0, cam.gain.1, cam.gain.2], k = cam.contrast, b = cam.brightness + extraBrightness
        p.withUnsafeMutableBufferPointer { buf in
            for i in 0..<buf.count { buf[i] = (buf[i] * gains[i % 3] + b - 128) * k + 128 }
        }
        for _ in 0..<cam.blurPasses { boxBlur() }
        if cam.noise > 0 {
            // Approximately Gaussian noise (Irwin–Hall: sum of 4 uniforms, scaled to unit
            // variance) — the look of sensor noise at a fraction of Box–Muller's cost.
            let scale: Float = cam.noise * Float(3).squareRoot() * 0x1p-32
            p.withUnsafeMutableBufferPointer { buf in
                for i in 0..<buf.count {
                    let r1 = rng.next(), r2 = rng.next()
                    let a = Float(r1 & 0xFFFF_FFFF) + Float(r1 >> 32)
                    let c = Float(r2 & 0xFFFF_FFFF) + Float(r2 >> 32)
                    buf[i] += (a + c - 0x1p33) * scale
                }
            }
        }
    }

    /// 3×3 box blur with clamped edges (separable: a horizontal then a vertical 3-tap mean).
    mutating func boxBlur() {
        let W = width, H = height
        var tmp = [Float](repeating: 0, count: p.count)
        p.withUnsafeMutableBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                for y in 0..<H {
                    let row = 3 * y * W
                    for x in 0..<W {
                        let l = row + 3 * max(x - 1, 0), c = row + 3 * x, r = row + 3 * min(x + 1, W - 1)
                        for ch in 0..<3 { t[c + ch] = (src[l + ch] + src[c + ch] + src[r + ch]) * (1 / 3) }
                    }
                }
                for y in 0..<H {
                    let up = 3 * max(y - 1, 0) * W, mid = 3 * y * W, dn = 3 * min(y + 1, H - 1) * W
                    for i in 0..<(3 * W) { src[mid + i] = (t[up + i] + t[mid + i] + t[dn + i]) * (1 / 3) }
                }
            }
        }
    }

    func toImage() -> RGBImage {
        RGBImage(width: width, height: height, pixels: p.map { UInt8(min(255, max(0, $0.rounded()))) })
    }
}
