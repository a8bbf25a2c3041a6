// SHA-256 for config hashes, dataset fingerprints, teacher identities and artifact digests, on
// swift-crypto (BoringSSL's SHA-256, with the CPU's SHA extensions where present): the dataset
// content fingerprint hashes every image, so speed matters. Checked against the FIPS test
// vectors in SupportTests. Streams files in 1 MiB chunks.
import Foundation
import Crypto

public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        hasher.update(data: Array(bytes))
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) { hasher.update(bufferPointer: buffer) }

    public mutating func update(_ data: Data) { hasher.update(data: data) }

    /// The digest as lowercase hex. Consumes the state.
    public mutating func finalizeHex() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Hex digest of `data`.
    public static func hex<C: Collection>(of data: C) -> String where C.Element == UInt8 {
        var s = SHA256(); s.update(data); return s.finalizeHex()
    }

    /// Hex digest of a string's UTF-8 bytes.
    public static func hex(_ text: String) -> String { hex(of: Array(text.utf8)) }

    /// Hex digest and size of the file at `path`.
    public static func file(at path: String) throws -> (sha256: String, bytes: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileHashError(path: path, message: "no such file or not readable")
        }
        defer { try? handle.close() }
        var s = SHA256(), total: Int64 = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw FileHashError(path: path, message: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            total += Int64(chunk.count)
            s.update(chunk)
        }
        return (s.finalizeHex(), total)
    }
}

/// A file that could not be read for hashing.
public struct FileHashError: Error, CustomStringConvertible {
    public let path: String, message: String
    public var description: String { "\(path): cannot read for hashing (\(message))" }
}
