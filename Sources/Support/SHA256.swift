// SHA-256 for config hashes, dataset fingerprints, teacher identities and artifact digests, on
// OpenSSL's libcrypto (EVP, with the CPU's SHA extensions where present): the dataset content
// fingerprint hashes every image, so speed matters. A system library like OpenBLAS (Debian
// libssl-dev): swift-crypto, used before, compiled its own copy of BoringSSL — ~400 of a clean
// build's ~420 steps — for this one function. Checked against the FIPS test vectors in
// SupportTests. Streams files in 1 MiB chunks.
import Foundation
import COpenSSL

public struct SHA256 {
    /// The EVP context, freed with the last copy of the hasher (a copy shares the running state:
    /// hash one stream with one value).
    private final class Context {
        let ctx: OpaquePointer
        init() {
            guard let c = EVP_MD_CTX_new(), EVP_DigestInit_ex(c, EVP_sha256(), nil) == 1 else {
                fatalError("libcrypto: cannot start a SHA-256 digest (out of memory)")
            }
            ctx = c
        }
        deinit { EVP_MD_CTX_free(ctx) }
    }
    private let context = Context()

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        EVP_DigestUpdate(context.ctx, base, buffer.count)
    }

    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// The digest as lowercase hex. Consumes the state.
    public mutating func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context.ctx, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
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
