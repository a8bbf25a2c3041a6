// The largest image a decoder accepts, checked against the dimensions a file's header declares
// before any pixel memory is allocated. A 2-row PNG can claim 60000×60000 in its header; without
// this check the decoder asks for 10.8 GB at once and the process dies in the allocator
// ("Fatal error: failed to allocate"). Re-id crops are a few hundred pixels a side; the caps
// leave room for full camera frames (a 64-Mpixel RGB image decodes to 192 MB).
public enum ImageLimits {
    /// Longest side, in pixels (a 16K frame).
    public static let maxSide = 16_384
    /// Pixels (width × height): 2²⁶ = 67,108,864, i.e. 64 Mpixel.
    public static let maxPixels = 1 << 26

    /// Throws `DataError(.tooLarge)` when `width` × `height` breaks a cap; `format` names the
    /// header ("PNG", "JPEG") in the message.
    public static func check(width: Int, height: Int, format: String, path: String) throws {
        if width > maxSide || height > maxSide || width * height > maxPixels {
            throw DataError(.tooLarge, path: path,
                            "\(format) header declares \(width)×\(height) pixels; images may have at most \(maxSide) pixels per side and \(maxPixels) (64 Mpixel) in all — a damaged or hostile file, or shrink the image")
        }
    }
}
