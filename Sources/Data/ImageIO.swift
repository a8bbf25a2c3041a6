// Reading and writing image files. The format is chosen by the file's magic bytes, not its
// extension, so a mislabelled file still decodes and a non-image gets a clear error.
import Foundation
import Support

public enum ImageIO {
    /// Reads and decodes a PNG or JPEG file to RGB8.
    public static func load(_ path: String) throws -> RGBImage {
        try decode(try readBytes(path), path: path)
    }

    /// Decodes PNG or JPEG bytes, sniffing the format; `path` names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String = "") throws -> RGBImage {
        if bytes.isEmpty { throw DataError(.emptyFile, path: path, "file is empty (0 bytes); expected a PNG or JPEG image") }
        if bytes.starts(with: PNGCodec.signature) { return try PNGCodec.decode(bytes, path: path) }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF {
            return try JPEGCodec.decode(bytes, path: path)
        }
        throw DataError(.notAnImage, path: path, "not a PNG or JPEG image (unrecognised file signature)")
    }

    /// Encodes as PNG and writes it (not atomically: the generator writes thousands of small
    /// files into a fresh folder, where the temp-file-and-rename dance doubled the wall time).
    public static func savePNG(_ img: RGBImage, to path: String, fast: Bool = false) throws {
        let bytes = try PNGCodec.encode(img, fast: fast)
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        catch { throw DataError(.writeFailed, path: path, "cannot write PNG: \(FileSystem.reason(error, path: path))") }
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DataError(.unreadable, path: path, "no such file")
        }
        if isDir.boolValue { throw DataError(.notAnImage, path: path, "is a folder, expected an image file") }
        // Not a device or FIFO: /dev/zero would be read until memory runs out.
        if FileSystem.isSpecialFile(path) {
            throw DataError(.notAnImage, path: path, "is not a regular file (a device, pipe or socket), expected an image file")
        }
        guard let d = FileManager.default.contents(atPath: path) else {
            throw DataError(.unreadable, path: path, "cannot read file (check permissions)")
        }
        return [UInt8](d)
    }
}
