// safetensors reading and writing (format of huggingface/safetensors):
//   [u64 little-endian N][N bytes of UTF-8 JSON header][raw little-endian data buffer]
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end)} with
// offsets relative to the data buffer, plus an optional "__metadata__" string → string map.
// We write F32 only (the engine's type), padding the header with spaces to a multiple of 8 so
// the data starts aligned, as the reference writer does. We read F32, F16, BF16, F64, I64, I32,
// U8 and BOOL, converting to Float32. Every malformed case the reference reader rejects is
// rejected here too, with the file and tensor named.
import Foundation
import Support
import Tensor
import Support

/// One tensor as stored in a safetensors file, converted to Float32.
public struct SafetensorsEntry {
    public let name: String
    /// The stored dtype ("F32", "F16", …) before conversion.
    public let dtype: String
    public let tensor: Tensor
}

/// The content of a safetensors file: tensors in data order, and the metadata map.
public struct SafetensorsFile {
    public var entries: [SafetensorsEntry]
    public var metadata: [String: String]

    public init(entries: [SafetensorsEntry], metadata: [String: String]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// (name, tensor) pairs in file order.
    public var stateDict: [(String, Tensor)] { entries.map { ($0.name, $0.tensor) } }

    /// The reference reader's limit on the header size.
    static let maxHeaderBytes = 100_000_000

    // MARK: Writing

    /// Writes `tensors` (names unique, data in the given order) and `metadata` to `path`,
    /// atomically and durably (hidden temporary, fsync, rename: `AtomicFile`), as F32. Returns
    /// the SHA-256 and size of what was written, so a caller can record the file without
    /// reading it back.
    @discardableResult
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String], to path: String) throws -> (sha256: String, bytes: Int64) {
        let out = try encode(tensors, metadata: metadata, path: path)
        do {
            try AtomicFile.write(out, to: path)
        } catch let e as AtomicFileError {
            throw CheckpointError(path: path, "cannot write: \(e.message)")
        }
        return (SHA256.hex(of: out), Int64(out.count))
    }

    /// The bytes of a safetensors file; `path` names the file in errors.
    static func encode(_ tensors: [(String, Tensor)], metadata: [String: String], path: String) throws -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            if name == "__metadata__" { throw CheckpointError(path: path, "tensor name \"__metadata__\" is reserved by the format") }
            if !seen.insert(name).inserted { throw CheckpointError(path: path, "duplicate tensor name \"\(name)\"") }
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        for (name, t) in tensors {
            let bytes = t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONText.quote(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }

        var out = Data(capacity: 8 + header.count + offset)
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for (_, t) in tensors {
            // Float32 is stored little-endian; every platform we build for is little-endian.
            out.append(UnsafeBufferPointer(start: t.pointer, count: t.count))
        }
        return out
    }

    // MARK: Reading

    /// Reads and validates a safetensors file; tensors come back in data-offset order.
    public static func read(_ path: String) throws -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CheckpointError(path: path, "cannot read: \(FileSystem.reason(error))")
        }
        return try parse(data, path: path)
    }

    /// Parses the bytes of a safetensors file; `path` is only used in error messages.
    public static func parse(_ data: Data, path: String) throws -> SafetensorsFile {
        func fail(_ msg: String) -> CheckpointError { CheckpointError(path: path, msg) }
        guard data.count >= 8 else {
            throw fail("not a safetensors file: \(data.count) bytes, shorter than the 8-byte header length")
        }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw fail("header length \(n) exceeds the format's limit of \(maxHeaderBytes) bytes (not a safetensors file?)")
        }
        guard 8 + Int(n) <= data.count else {
            throw fail("truncated: header claims \(n) bytes but the file has only \(data.count - 8) after the length")
        }
        let headerBytes = data.subdata(in: 8..<(8 + Int(n)))
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes),
              let header = json as? [String: Any] else {
            throw fail("header is not a JSON object (corrupt file?)")
        }
        var metadata: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let dict = m as? [String: Any] else { throw fail("\"__metadata__\" is not a string map") }
            for (k, v) in dict {
                guard let s = v as? String else { throw fail("\"__metadata__\" value for \"\(k)\" is not a string") }
                metadata[k] = s
            }
        }

        struct Info { let name: String; let dtype: String; let shape: [Int]; let begin: Int; let end: Int }
        var infos: [Info] = []
        for (name, value) in header where name != "__metadata__" {
            guard let d = value as? [String: Any],
                  let dtype = d["dtype"] as? String,
                  let shapeAny = d["shape"] as? [Any],
                  let offAny = d["data_offsets"] as? [Any], offAny.count == 2 else {
                throw fail("tensor \"\(name)\": header entry needs dtype, shape and data_offsets [begin, end]")
            }
            let shape = try shapeAny.map { v -> Int in
                guard let i = intValue(v), i >= 0 else { throw fail("tensor \"\(name)\": shape \(shapeAny) is not a list of non-negative integers") }
                return i
            }
            guard let begin = intValue(offAny[0]), let end = intValue(offAny[1]), begin >= 0, end >= begin else {
                throw fail("tensor \"\(name)\": data_offsets \(offAny) are not integers 0 ≤ begin ≤ end")
            }
            infos.append(Info(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        infos.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }

        let bufferStart = 8 + Int(n)
        let bufferSize = data.count - bufferStart
        var expected = 0
        var entries: [SafetensorsEntry] = []
        for info in infos {
            guard let width = dtypeBytes[info.dtype] else {
                throw fail("tensor \"\(info.name)\": dtype \(info.dtype) is not supported (readable: \(dtypeBytes.keys.sorted().joined(separator: ", ")))")
            }
            var count = 1
            for d in info.shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                if o { throw fail("tensor \"\(info.name)\": shape \(info.shape) overflows") }
                count = p
            }
            guard info.begin == expected else {
                throw fail("tensor \"\(info.name)\": data_offsets begin at \(info.begin), expected \(expected) (gap or overlap between tensors)")
            }
            let (bytes, tooMany) = count.multipliedReportingOverflow(by: width)
            guard !tooMany, info.end - info.begin == bytes else {
                throw fail("tensor \"\(info.name)\": \(info.end - info.begin) bytes for shape \(info.shape) of \(info.dtype), expected \(tooMany ? "more than any file holds" : String(bytes))")
            }
            guard info.end <= bufferSize else {
                throw fail("truncated: tensor \"\(info.name)\" ends at byte \(info.end) of the data buffer, which holds only \(bufferSize)")
            }
            expected = info.end
            let t = Tensor.empty(info.shape)
            data.withUnsafeBytes { raw in
                let src = UnsafeRawBufferPointer(rebasing: raw[(bufferStart + info.begin)..<(bufferStart + info.end)])
                convert(src, dtype: info.dtype, count: count, into: t.pointer)
            }
            entries.append(SafetensorsEntry(name: info.name, dtype: info.dtype, tensor: t))
        }
        guard expected == bufferSize else {
            throw fail("incomplete metadata: tensors cover \(expected) bytes of a \(bufferSize)-byte data buffer")
        }
        return SafetensorsFile(entries: entries, metadata: metadata)
    }

    static let dtypeBytes: [String: Int] = ["F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1]

    private static func intValue(_ v: Any) -> Int? {
        if let i = v as? Int { return i }
        if let d = v as? Double, d == d.rounded(), abs(d) < 9e15 { return Int(d) }
        return nil
    }

    /// Little-endian `src` of `dtype` → `count` floats.
    private static func convert(_ src: UnsafeRawBufferPointer, dtype: String, count: Int, into dst: UnsafeMutablePointer<Float>) {
        switch dtype {
        case "F32":
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case "F16":
            for i in 0..<count { dst[i] = halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case "BF16":
            for i in 0..<count {
                let h = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                dst[i] = Float(bitPattern: UInt32(h) << 16)
            }
        case "F64":
            for i in 0..<count { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case "I64":
            for i in 0..<count { dst[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case "I32":
            for i in 0..<count { dst[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case "U8", "BOOL":
            for i in 0..<count { dst[i] = Float(src[i]) }
        default:
            preconditionFailure("unsupported dtype \(dtype) passed validation")
        }
    }

    /// IEEE 754 binary16 → binary32 (exact; handles subnormals, infinities and NaN).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        var mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            // Subnormal: normalise.
            var e: UInt32 = 127 - 15 + 1
            while mant & 0x400 == 0 { mant <<= 1; e -= 1 }
            mant &= 0x3FF
            return Float(bitPattern: sign | (e << 23) | (mant << 13))
        }
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 127 - 15) << 23) | (mant << 13))
    }
}
