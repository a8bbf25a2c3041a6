// Bounds-checked little-endian reads over a byte buffer. Every read checks the remaining length
// first and throws a `ByteReader.OutOfBounds` naming what was being read, so truncated or lying
// files end in an error, never in a trap.
import Foundation

struct ByteReader {
    struct OutOfBounds: Error, CustomStringConvertible {
        let what: String, offset: Int, needed: Int, available: Int
        var description: String { "truncated: \(what) at byte \(offset) needs \(needed) bytes, \(available) left" }
    }

    let data: Data
    /// Absolute position (0 = the first byte of `data`, whatever its startIndex).
    var position: Int
    let end: Int

    init(_ data: Data, from start: Int = 0, to end: Int? = nil) {
        self.data = data
        position = start
        self.end = min(end ?? data.count, data.count)
    }

    var remaining: Int { max(0, end - position) }

    mutating func bytes(_ n: Int, _ what: String) throws -> Data {
        guard n >= 0, n <= remaining else { throw OutOfBounds(what: what, offset: position, needed: n, available: remaining) }
        let s = data.startIndex + position
        position += n
        return data.subdata(in: s..<(s + n))
    }

    mutating func skip(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else { throw OutOfBounds(what: what, offset: position, needed: n, available: remaining) }
        position += n
    }

    mutating func u8(_ what: String) throws -> UInt8 {
        guard remaining >= 1 else { throw OutOfBounds(what: what, offset: position, needed: 1, available: 0) }
        defer { position += 1 }
        return data[data.startIndex + position]
    }

    /// An unsigned little-endian integer of `n` ≤ 8 bytes.
    mutating func uint(_ n: Int, _ what: String) throws -> UInt64 {
        guard n >= 0, n <= 8, n <= remaining else { throw OutOfBounds(what: what, offset: position, needed: n, available: remaining) }
        var v: UInt64 = 0
        let s = data.startIndex + position
        for i in 0..<n { v |= UInt64(data[s + i]) << (8 * UInt64(i)) }
        position += n
        return v
    }

    mutating func u16(_ what: String) throws -> Int { Int(try uint(2, what)) }
    mutating func u32(_ what: String) throws -> Int { Int(try uint(4, what)) }
    mutating func i32(_ what: String) throws -> Int { Int(Int32(truncatingIfNeeded: try uint(4, what))) }
    /// A 64-bit length or offset; values that do not fit a non-negative Int are an error.
    mutating func u64(_ what: String) throws -> Int {
        let at = position
        let v = try uint(8, what)
        guard v <= UInt64(Int.max) else { throw OutOfBounds(what: "\(what) (declared \(v))", offset: at, needed: Int.max, available: remaining) }
        return Int(v)
    }

    /// Bytes up to (not including) the next "\n"; the newline is consumed.
    mutating func line(_ what: String, limit: Int = 1 << 20) throws -> Data {
        let s = data.startIndex + position
        var i = 0
        while i < min(remaining, limit) {
            if data[s + i] == 0x0A {
                let out = data.subdata(in: s..<(s + i))
                position += i + 1
                return out
            }
            i += 1
        }
        throw OutOfBounds(what: "\(what) (no end of line)", offset: position, needed: i + 1, available: remaining)
    }
}
