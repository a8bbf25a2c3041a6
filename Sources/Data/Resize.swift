// Bilinear resize with half-pixel centres (the convention of PIL/OpenCV/torchvision
// "align_corners=False"): output pixel centre (x+0.5)·sx−0.5 in source coordinates, edges clamped.
// No antialiasing: downscales by more than 2× skip source pixels, as cv2.INTER_LINEAR does.

public enum Resize {
    public static func bilinear(_ src: RGBImage, height: Int, width: Int) -> RGBImage {
        precondition(height > 0 && width > 0, "Resize.bilinear: target size must be positive, got \(height)×\(width)")
        if src.width == width && src.height == height { return src }
        let sx = Float(src.width) / Float(width), sy = Float(src.height) / Float(height)
        // Per-column source indices and weights, computed once.
        var x0 = [Int](repeating: 0, count: width), x1 = x0
        var wx = [Float](repeating: 0, count: width)
        for x in 0..<width {
            let fx = max(0, (Float(x) + 0.5) * sx - 0.5)
            let i = min(Int(fx), src.width - 1)
            x0[x] = i; x1[x] = min(i + 1, src.width - 1); wx[x] = fx - Float(i)
            if i == src.width - 1 { wx[x] = 0 }
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        src.pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<height {
                    let fy = max(0, (Float(y) + 0.5) * sy - 0.5)
                    let j0 = min(Int(fy), src.height - 1), j1 = min(j0 + 1, src.height - 1)
                    let wy = j0 == src.height - 1 ? 0 : fy - Float(j0)
                    let r0 = j0 * src.width * 3, r1 = j1 * src.width * 3
                    for x in 0..<width {
                        let a = 3 * x0[x], b = 3 * x1[x], w = wx[x]
                        for c in 0..<3 {
                            let top = Float(s[r0 + a + c]) * (1 - w) + Float(s[r0 + b + c]) * w
                            let bot = Float(s[r1 + a + c]) * (1 - w) + Float(s[r1 + b + c]) * w
                            let v = top * (1 - wy) + bot * wy
                            o[3 * (y * width + x) + c] = UInt8(min(255, max(0, v + 0.5)))
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
