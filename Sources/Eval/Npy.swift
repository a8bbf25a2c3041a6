// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0): a magic string, a version, a header
// length, an ASCII Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }
// padded with spaces to a 64-byte boundary, then raw data. We read 2-D little-endian float32 or
// float64 in C order (float64 is narrowed to float32) and reject everything else with a message
// that names the file and the fix, because embeddings arrive from other frameworks and a silently
// misread file would produce plausible-looking wrong metrics.
import Foundation
import Support
import Tensor

public enum Npy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // \x93NUMPY
    /// Longest header accepted: NumPy's own reader refuses more than 10000 bytes by default
    /// (`max_header_size`, NumPy ≥ 1.24); a real header is 118 bytes or so.
    static let maxHeaderBytes = 10_000

    /// Reads a 2-D float32/float64 `.npy` file into an (N, D) float32 tensor.
    public static func read(_ path: String) throws -> Tensor {
        // Not a device or FIFO: /dev/zero would be read until memory runs out.
        if FileSystem.isSpecialFile(path) { throw EvalError("\(path): not a regular file (a device, pipe or socket); pass a .npy file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalError("\(path): cannot read file (does it exist and is it readable?)")
        }
        return try decode(data, name: path)
    }

    /// Decodes the bytes of a `.npy` file; `name` is used in error messages.
    public static func decode(_ data: Data, name: String = "<npy>") throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> EvalError { EvalError("\(name): \(why)") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (missing the \\x93NUMPY magic); save it with numpy.save")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7]) (expected 1.0, 2.0 or 3.0)")
        }
        guard headerLength <= maxHeaderBytes else {
            throw fail("header claims \(headerLength) bytes; NumPy writes about 128 and reads at most \(maxHeaderBytes) (corrupt or not a .npy file)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw fail("header claims \(headerLength) bytes but the file has only \(bytes.count - headerStart) after the preamble (truncated or corrupt)")
        }
        guard let header = String(bytes: bytes[headerStart..<dataStart], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header is not text")
        }
        let dict = try parseHeader(header, fail: fail)
        guard let descr = dict["descr"], case .string(let dtype) = descr else {
            throw fail("header has no 'descr' string: \(excerpt(header))")
        }
        guard let fo = dict["fortran_order"], case .bool(let fortran) = fo else {
            throw fail("header has no 'fortran_order' boolean")
        }
        guard let sh = dict["shape"], case .tuple(let shape) = sh else {
            throw fail("header has no 'shape' tuple")
        }
        let itemSize: Int
        switch dtype {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        case ">f4", ">f8":
            throw fail("dtype '\(dtype)' is big-endian; convert with arr.astype('<f4') before numpy.save")
        default:
            throw fail("dtype '\(dtype)' is not supported; expected float32 ('<f4') or float64 ('<f8') — convert with arr.astype('float32')")
        }
        if fortran {
            throw fail("array is stored in Fortran (column-major) order; save numpy.ascontiguousarray(arr) instead")
        }
        guard shape.count == 2 else {
            throw fail("expected a 2-D array (items × dimensions), got shape (\(shape.map(String.init).joined(separator: ", "))); reshape to (N, D)")
        }
        let (rows, cols) = (shape[0], shape[1])
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow, count.multipliedReportingOverflow(by: itemSize).overflow == false else {
            throw fail("header says shape (\(rows), \(cols)), more bytes than any file holds (the file has \(bytes.count - dataStart) data bytes; corrupt header)")
        }
        let expected = count * itemSize, available = bytes.count - dataStart
        guard available == expected else {
            throw fail("header says shape (\(rows), \(cols)) of \(dtype) = \(expected) data bytes, but the file holds \(available) (\(available < expected ? "truncated" : "trailing bytes: header does not match the data"))")
        }
        let t = Tensor.empty([rows, cols])
        let out = t.pointer
        bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress! + dataStart
            if itemSize == 4 {
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            } else {
                for i in 0..<count {
                    out[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            }
        }
        return t
    }

    /// Encodes a 2-D tensor as a version 1.0 `.npy` file ('<f4', C order).
    public static func encode(_ tensor: Tensor) -> Data {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // NumPy pads so that the data starts on a 64-byte boundary and ends the header with '\n'.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data(magic + [1, 0])
        let hl = header.utf8.count
        out.append(contentsOf: [UInt8(hl & 0xFF), UInt8(hl >> 8)])
        out.append(contentsOf: Array(header.utf8))
        var le = [UInt32](repeating: 0, count: tensor.count)
        for i in 0..<tensor.count { le[i] = tensor.pointer[i].bitPattern.littleEndian }
        le.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Writes a tensor as a `.npy` file (float32, C order).
    public static func write(_ tensor: Tensor, to path: String) throws {
        do { try encode(tensor).write(to: URL(fileURLWithPath: path)) } catch {
            throw EvalError("cannot write file \(path): \(FileSystem.reason(error, path: path))")
        }
    }

    // MARK: Header parsing

    /// The header as shown in errors: one line, control characters escaped, at most 160 characters.
    static func excerpt(_ header: String) -> String {
        OneLine.escape(header.trimmingCharacters(in: .whitespacesAndNewlines), limit: 160)
    }

    enum Value { case string(String), bool(Bool), tuple([Int]) }

    /// Parses the header dict literal: string keys; string, boolean or integer-tuple values.
    static func parseHeader(_ text: String, fail: (String) -> EvalError) throws -> [String: Value] {
        let s = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() { while i < s.count, s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r" { i += 1 } }
        func bad(_ what: String) -> EvalError { fail("malformed header (\(what)): \(excerpt(text))") }
        func string() throws -> String {
            guard i < s.count, s[i] == "'" || s[i] == "\"" else { throw bad("expected a quoted string") }
            let q = s[i]; i += 1
            var out = ""
            while i < s.count, s[i] != q { out.unicodeScalars.append(s[i]); i += 1 }
            guard i < s.count else { throw bad("unterminated string") }
            i += 1
            return out
        }
        func value() throws -> Value {
            skipSpace()
            guard i < s.count else { throw bad("missing value") }
            if s[i] == "'" || s[i] == "\"" { return .string(try string()) }
            if s[i] == "(" {
                i += 1
                var dims: [Int] = []
                while true {
                    skipSpace()
                    guard i < s.count else { throw bad("unterminated tuple") }
                    if s[i] == ")" { i += 1; break }
                    var digits = ""
                    while i < s.count, ("0"..."9").contains(s[i]) { digits.unicodeScalars.append(s[i]); i += 1 }
                    // Python 2 era files may write long integers as 3L.
                    if i < s.count, s[i] == "L" { i += 1 }
                    guard let d = Int(digits) else { throw bad("shape entries must be non-negative integers") }
                    dims.append(d)
                    skipSpace()
                    if i < s.count, s[i] == "," { i += 1 }
                }
                return .tuple(dims)
            }
            for (word, v) in [("True", true), ("False", false)] {
                let w = Array(word.unicodeScalars)
                if i + w.count <= s.count, Array(s[i..<i + w.count]) == w { i += w.count; return .bool(v) }
            }
            throw bad("unexpected value")
        }
        skipSpace()
        guard i < s.count, s[i] == "{" else { throw bad("expected '{'") }
        i += 1
        var dict: [String: Value] = [:]
        while true {
            skipSpace()
            guard i < s.count else { throw bad("unterminated dict") }
            if s[i] == "}" { break }
            let key = try string()
            skipSpace()
            guard i < s.count, s[i] == ":" else { throw bad("expected ':'") }
            i += 1
            dict[key] = try value()
            skipSpace()
            if i < s.count, s[i] == "," { i += 1 }
        }
        return dict
    }
}
