// An 8-bit RGB image, interleaved (R,G,B per pixel), rows top to bottom. Every codec decodes to
// this and the transforms read from it; keeping one pixel format keeps the cache and the
// augmentation code simple.

public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// width × height × 3 bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "RGBImage: \(width)×\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A solid-colour image.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { p[3 * i] = fill.0; p[3 * i + 1] = fill.1; p[3 * i + 2] = fill.2 }
        self.init(width: width, height: height, pixels: p)
    }

    public subscript(x x: Int, y y: Int) -> (UInt8, UInt8, UInt8) {
        let i = 3 * (y * width + x)
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Bytes held (for the loader's cache budget).
    public var byteCount: Int { pixels.count }
}
