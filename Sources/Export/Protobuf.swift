// A minimal protobuf *writer* (encoding only — the export never reads protobuf). Wire format:
// every field starts with the varint key (field_number << 3 | wire_type); wire type 0 is a
// varint (ints, enums, bools; a negative int64 takes 10 bytes, two's complement), 2 is
// length-delimited (strings, bytes, sub-messages, packed repeated scalars), 5 is a little-endian
// fixed32 (float). Enough for ONNX's ModelProto; hand-written so the export needs no dependency.

public struct ProtoWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    enum WireType: UInt64 { case varint = 0, lengthDelimited = 2, fixed32 = 5 }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

    /// int32/int64/enum/bool field (negative values as 10-byte two's complement, as protoc does).
    public mutating func int(_ field: Int, _ v: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: v))
    }

    public mutating func float(_ field: Int, _ v: Float) {
        key(field, .fixed32)
        let b = v.bitPattern
        for i in 0..<4 { bytes.append(UInt8((b >> (8 * UInt32(i))) & 0xFF)) }
    }

    public mutating func bytesField(_ field: Int, _ data: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(data.count))
        bytes += data
    }

    public mutating func string(_ field: Int, _ s: String) { bytesField(field, Array(s.utf8)) }

    /// A sub-message: its encoding, length-prefixed.
    public mutating func message(_ field: Int, _ m: some ProtoMessage) { bytesField(field, m.encoded()) }

    /// Packed repeated int64 (e.g. TensorProto.dims is *not* packed in proto2 ONNX; use `int` per
    /// element there — this is for fields declared [packed = true]).
    public mutating func packedInts(_ field: Int, _ vs: [Int64]) {
        var inner = ProtoWriter()
        for v in vs { inner.varint(UInt64(bitPattern: v)) }
        bytesField(field, inner.bytes)
    }
}

/// A message that can encode itself.
public protocol ProtoMessage {
    func encode(into w: inout ProtoWriter)
}

extension ProtoMessage {
    public func encoded() -> [UInt8] {
        var w = ProtoWriter()
        encode(into: &w)
        return w.bytes
    }
}
