// PyTorch storages and tensors as the unpickler describes them, and their conversion to
// ReidKD's float32 tensors. A tensor is a view of a storage (offset, size, stride in elements);
// views with any strides are gathered element by element after checking that every element
// they address lies inside the storage. Element types: float32, float16, bfloat16, float64 and
// int64 convert to float32 (BatchNorm's `num_batches_tracked` is int64; it is dropped before
// conversion, but an int64 tensor in the model's place converts like any other).
import Foundation
import Tensor

public enum TorchDType: String, Equatable, Sendable, CaseIterable {
    case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

    /// torch's legacy storage class name (`torch.FloatStorage` …).
    var storageName: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .float64: return "DoubleStorage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    static func storage(named name: String) -> TorchDType? { allCases.first { $0.storageName == name } }

    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The types that convert to float32.
    var convertible: Bool { [.float32, .float16, .bfloat16, .float64, .int64].contains(self) }
}

/// A storage named by a persistent id: its bytes are found later by `key`.
final class TorchStorageRef {
    let dtype: TorchDType
    let key: String
    /// Elements, as declared by the persistent id.
    let count: Int
    init(dtype: TorchDType, key: String, count: Int) {
        self.dtype = dtype; self.key = key; self.count = count
    }
}

/// A tensor: a strided view of a storage.
public struct TorchTensorRef {
    let storage: TorchStorageRef
    public let offset: Int
    public let shape: [Int]
    public let stride: [Int]
    public var dtype: TorchDType { storage.dtype }

    /// Elements of the view, or nil when the product overflows.
    var count: Int? {
        var n = 1
        for s in shape {
            let (m, o) = n.multipliedReportingOverflow(by: s)
            if o { return nil }
            n = m
        }
        return n
    }

    /// Whether the view is the row-major layout of its shape.
    var isContiguous: Bool {
        var expected = 1
        for (s, st) in zip(shape, stride).reversed() where s != 1 {
            if st != expected { return false }
            expected *= s
        }
        return true
    }

    /// Checks that the view addresses only elements inside its storage; returns its element count.
    func validated(name: String) throws -> Int {
        let where_ = "tensor \(name) (shape \(shape), stride \(stride), offset \(offset))"
        guard shape.count == stride.count else { throw TorchFormatError("\(where_): shape and stride have different ranks") }
        guard shape.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }), offset >= 0 else {
            throw TorchFormatError("\(where_): negative size, stride or offset")
        }
        guard let n = count else { throw TorchFormatError("\(where_): element count overflows") }
        if n == 0 { return 0 }
        var last = offset
        for (s, st) in zip(shape, stride) {
            let (m, o1) = (s - 1).multipliedReportingOverflow(by: st)
            let (sum, o2) = last.addingReportingOverflow(m)
            if o1 || o2 { throw TorchFormatError("\(where_): addresses overflow") }
            last = sum
        }
        guard last < storage.count else {
            throw TorchFormatError("\(where_): addresses element \(last) of a storage of \(storage.count) elements")
        }
        // A state dict never holds expanded (stride-0) views; refusing them bounds the allocation
        // by the storage, which the file itself holds.
        guard n <= storage.count else {
            throw TorchFormatError("\(where_): \(n) elements from a storage of \(storage.count) (an expanded view); save the tensor with .contiguous()")
        }
        return n
    }

    /// The values as a float32 tensor, read from `bytes` (the storage's raw bytes).
    func floats(from bytes: Data, littleEndian: Bool, name: String) throws -> Tensor {
        guard dtype.convertible else {
            throw TorchFormatError("tensor \(name) has element type \(dtype.rawValue); only float32, float16, bfloat16, float64 and int64 convert to float32")
        }
        let n = try validated(name: name)
        let (needed, overflow) = storage.count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes.count >= needed else {
            throw TorchFormatError("tensor \(name): its storage has \(bytes.count) bytes, fewer than the \(storage.count) × \(dtype.byteSize) it declares")
        }
        let out = Tensor.empty(shape)
        guard n > 0 else { return out }
        let dst = out.pointer
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let read = TorchTensorRef.reader(dtype, littleEndian: littleEndian, raw)
            if isContiguous {
                for i in 0..<n { dst[i] = read(offset + i) }
                return
            }
            // General strides: walk the multi-index in row-major order.
            var idx = [Int](repeating: 0, count: shape.count)
            var at = offset
            for i in 0..<n {
                dst[i] = read(at)
                var d = shape.count - 1
                while d >= 0 {
                    idx[d] += 1; at += stride[d]
                    if idx[d] < shape[d] { break }
                    at -= stride[d] * shape[d]; idx[d] = 0; d -= 1
                }
            }
        }
        return out
    }

    /// Element `i` of a storage as Float. The bounds were checked by `validated`.
    static func reader(_ dtype: TorchDType, littleEndian: Bool, _ raw: UnsafeRawBufferPointer) -> (Int) -> Float {
        func word<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
            let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
            return littleEndian ? T(littleEndian: v) : T(bigEndian: v)
        }
        switch dtype {
        case .float32: return { Float(bitPattern: word($0, UInt32.self)) }
        case .float16: return { Float(Float16(bitPattern: word($0, UInt16.self))) }
        case .bfloat16: return { Float(bitPattern: UInt32(word($0, UInt16.self)) << 16) }
        case .float64: return { Float(Double(bitPattern: word($0, UInt64.self))) }
        case .int64: return { Float(Int64(bitPattern: word($0, UInt64.self))) }
        default: return { _ in .nan }   // not convertible; rejected before reading
        }
    }
}

/// A malformed torch structure (the caller adds the file path).
struct TorchFormatError: Error, CustomStringConvertible {
    let description: String
    init(_ m: String) { description = m }
}
