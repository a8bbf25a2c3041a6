// JPEG through libjpeg-turbo. The decode runs entirely in C (Sources/CJPEG/shim.h) because
// libjpeg reports fatal errors by longjmp; the shim turns them into a return code and message.
import CJPEG
import Foundation

public enum JPEGCodec {
    /// Decodes JPEG bytes (gray or colour) to RGB8; truncated or corrupt data is an error.
    public static func decode(_ bytes: [UInt8], path: String = "") throws -> RGBImage {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var w: Int32 = 0, h: Int32 = 0
        var msg = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBufferPointer { buf in
            reidkd_jpeg_decode(buf.baseAddress, UInt(buf.count), Int32(ImageLimits.maxSide), Int(ImageLimits.maxPixels),
                               &out, &w, &h, &msg, Int32(msg.count))
        }
        // The shim checked the header's dimensions before allocating; 2 = over the caps.
        if rc == 2 { try ImageLimits.check(width: Int(w), height: Int(h), format: "JPEG", path: path) }
        if rc != 0 || out == nil {
            let text = String(decoding: msg.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError(.corruptImage, path: path, "corrupt or truncated JPEG (\(text))")
        }
        defer { free(out) }
        let n = Int(w) * Int(h) * 3
        return RGBImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: out, count: n)))
    }

    /// Encodes RGB8 to baseline JPEG (used by tests and fixtures); `grayscale` writes a
    /// one-component JPEG from the red channel.
    public static func encode(_ img: RGBImage, quality: Int = 90, grayscale: Bool = false) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        var msg = [CChar](repeating: 0, count: 256)
        let rc = img.pixels.withUnsafeBufferPointer { buf in
            reidkd_jpeg_encode(buf.baseAddress, Int32(img.width), Int32(img.height), Int32(quality), grayscale ? 1 : 0, &out, &size, &msg, Int32(msg.count))
        }
        defer { free(out) }
        if rc != 0 || out == nil {
            let text = String(decoding: msg.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError(.writeFailed, path: "", "JPEG encode failed (\(text))")
        }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }
}
