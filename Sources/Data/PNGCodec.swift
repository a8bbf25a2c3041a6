// PNG through libpng's simplified API (png_image_*): it converts every colour type and bit depth
// (8/16-bit, gray, palette, RGB, RGBA) to RGB8 and reports errors as a message instead of a
// longjmp, which Swift could not catch. Alpha is composited onto white.
import CPNG
import Foundation

public enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes PNG bytes to RGB8; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String = "") throws -> RGBImage {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let ok = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        if ok == 0 { throw DataError(.corruptImage, path: path, "not a readable PNG (\(message(of: &image)))") }
        let width = Int(image.width), height = Int(image.height)
        if width == 0 || height == 0 { throw DataError(.corruptImage, path: path, "PNG has zero size") }
        try ImageLimits.check(width: width, height: height, format: "PNG", path: path)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var background = png_color(red: 255, green: 255, blue: 255)
        let done = pixels.withUnsafeMutableBytes { buf in
            png_image_finish_read(&image, &background, buf.baseAddress, png_int_32(width * 3), nil)
        }
        if done == 0 { throw DataError(.corruptImage, path: path, "corrupt or truncated PNG (\(message(of: &image)))") }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Encodes RGB8 as an 8-bit RGB PNG (deterministic bytes for the same pixels). `fast` trades
    /// size for speed (libpng's PNG_IMAGE_FLAG_FAST: no row filters, fast zlib level).
    public static func encode(_ img: RGBImage, fast: Bool = false) throws -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(img.width)
        image.height = png_uint_32(img.height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        if fast { image.flags = png_uint_32(PNG_IMAGE_FLAG_FAST) }
        defer { png_image_free(&image) }
        var size: png_alloc_size_t = 0
        let stride = png_int_32(img.width * 3)
        let sized = img.pixels.withUnsafeBytes { raw in
            png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, stride, nil)
        }
        if sized == 0 { throw DataError(.writeFailed, path: "", "PNG encode failed (\(message(of: &image)))") }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { dst in
            img.pixels.withUnsafeBytes { raw in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, raw.baseAddress, stride, nil)
            }
        }
        if ok == 0 { throw DataError(.writeFailed, path: "", "PNG encode failed (\(message(of: &image)))") }
        return Array(out.prefix(Int(size)))
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let s = String(decoding: bytes, as: UTF8.self)
            return s.isEmpty ? "no detail" : s
        }
    }
}
