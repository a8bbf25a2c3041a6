// Scalar decoding for the pickle machine: the text forms of protocol 0 (INT, LONG, FLOAT, GET,
// PUT, STRING), arbitrary-length LONG1/LONG4 integers, and string payloads.
import Foundation

extension PickleMachine {
    /// A protocol-0 argument: the bytes up to the newline, as ASCII/UTF-8 text.
    func text(_ what: String) throws -> String {
        let d = try reader.line(what)
        guard let s = String(data: d, encoding: .utf8) else { throw fail("\(what) is not text") }
        return s
    }

    func textIndex(_ what: String) throws -> Int {
        guard let i = Int(try text(what)), i >= 0 else { throw fail("\(what) index is not a non-negative integer") }
        return i
    }

    /// INT: "I01\n"/"I00\n" are True/False (protocol 0), otherwise a decimal integer.
    func textInt() throws -> PickleValue {
        let s = try text("INT")
        if s == "01" { return .bool(true) }
        if s == "00" { return .bool(false) }
        guard let i = Int(s) else { throw fail("INT '\(s.prefix(40))' does not fit a 64-bit integer") }
        return .int(i)
    }

    /// LONG: decimal with an optional trailing "L".
    func textLong() throws -> PickleValue {
        var s = try text("LONG")
        if s.hasSuffix("L") { s.removeLast() }
        guard let i = Int(s) else { throw fail("LONG '\(s.prefix(40))' does not fit a 64-bit integer") }
        return .int(i)
    }

    /// LONG1/LONG4 payload: `n` bytes of little-endian two's complement.
    func long(_ n: Int) throws -> PickleValue {
        let bytes = [UInt8](try reader.bytes(n, "LONG payload"))
        guard !bytes.isEmpty else { return .int(0) }
        if bytes.count > 8 {
            // Fits an Int only if the extra bytes are pure sign extension.
            let sign: UInt8 = bytes[7] & 0x80 != 0 ? 0xFF : 0
            if bytes[8...].allSatisfy({ $0 == sign }) { return .int(PickleMachine.littleEndianInt(Array(bytes[..<8]))) }
            return .bigInt(bytes)
        }
        return .int(PickleMachine.littleEndianInt(bytes))
    }

    static func littleEndianInt(_ b: [UInt8]) -> Int {
        var v: UInt64 = 0
        for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
        if b.count < 8, let last = b.last, last & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(b.count)) }
        return Int(Int64(bitPattern: v))
    }

    func bigEndianWord() throws -> UInt64 {
        let b = try reader.bytes(8, "BINFLOAT")
        var v: UInt64 = 0
        for x in b { v = v << 8 | UInt64(x) }
        return v
    }

    func utf8(_ n: Int) throws -> String {
        let d = try reader.bytes(n, "string payload")
        guard let s = String(data: d, encoding: .utf8) else { throw fail("a string is not valid UTF-8") }
        return s
    }

    /// Python 2 `str` (BINSTRING): UTF-8 when valid, else Latin-1 (what torch.load assumes).
    func legacyString(_ n: Int) throws -> String {
        let d = try reader.bytes(n, "string payload")
        return String(data: d, encoding: .utf8) ?? String(String.UnicodeScalarView(d.map { Unicode.Scalar($0) }))
    }

    /// STRING: a quoted repr; only simple quoting is handled (escapes are kept as written).
    func quoted(_ s: String) throws -> String {
        guard s.count >= 2, let f = s.first, f == s.last, f == "'" || f == "\"" else { throw fail("STRING argument is not quoted") }
        return String(s.dropFirst().dropLast())
    }
}
