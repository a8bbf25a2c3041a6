// The subset of ONNX's protobuf schema the export writes (field numbers from onnx/onnx.in.proto,
// proto2 syntax: repeated scalars such as dims and ints are *not* packed). Float tensors are
// stored as little-endian `raw_data`, the simplest payload every reader accepts.
import Tensor

public enum ONNXDataType: Int64 { case float = 1, int64 = 7 }

/// TensorProto: dims=1, data_type=2, name=8, raw_data=9.
public struct ONNXTensor: ProtoMessage {
    public var name: String
    public var dims: [Int]
    public var dataType: ONNXDataType
    public var raw: [UInt8]

    public static func float(_ name: String, dims: [Int], _ values: [Float]) -> ONNXTensor {
        precondition(values.count == dims.reduce(1, *), "ONNX tensor \(name): \(values.count) values for dims \(dims)")
        var raw = [UInt8](); raw.reserveCapacity(values.count * 4)
        for v in values { let b = v.bitPattern; for i in 0..<4 { raw.append(UInt8((b >> (8 * UInt32(i))) & 0xFF)) } }
        return ONNXTensor(name: name, dims: dims, dataType: .float, raw: raw)
    }

    public static func float(_ name: String, _ t: Tensor) -> ONNXTensor { float(name, dims: t.shape, t.scalars) }

    public static func int64(_ name: String, dims: [Int], _ values: [Int64]) -> ONNXTensor {
        var raw = [UInt8](); raw.reserveCapacity(values.count * 8)
        for v in values { let b = UInt64(bitPattern: v); for i in 0..<8 { raw.append(UInt8((b >> (8 * UInt64(i))) & 0xFF)) } }
        return ONNXTensor(name: name, dims: dims, dataType: .int64, raw: raw)
    }

    public func encode(into w: inout ProtoWriter) {
        for d in dims { w.int(1, Int64(d)) }
        w.int(2, dataType.rawValue)
        w.string(8, name)
        w.bytesField(9, raw)
    }
}

/// AttributeProto: name=1, f=2, i=3, floats=7, ints=8, type=20 (FLOAT=1, INT=2, FLOATS=6, INTS=7).
public struct ONNXAttribute: ProtoMessage {
    public enum Value { case int(Int64), float(Float), ints([Int64]), floats([Float]) }
    public var name: String
    public var value: Value

    public static func int(_ n: String, _ v: Int) -> ONNXAttribute { ONNXAttribute(name: n, value: .int(Int64(v))) }
    public static func float(_ n: String, _ v: Float) -> ONNXAttribute { ONNXAttribute(name: n, value: .float(v)) }
    public static func ints(_ n: String, _ v: [Int]) -> ONNXAttribute { ONNXAttribute(name: n, value: .ints(v.map(Int64.init))) }

    public func encode(into w: inout ProtoWriter) {
        w.string(1, name)
        switch value {
        case .float(let f): w.float(2, f); w.int(20, 1)
        case .int(let i): w.int(3, i); w.int(20, 2)
        case .floats(let fs): for f in fs { w.float(7, f) }; w.int(20, 6)
        case .ints(let xs): for x in xs { w.int(8, x) }; w.int(20, 7)
        }
    }
}

/// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5.
public struct ONNXNode: ProtoMessage {
    public var op: String
    public var inputs: [String]
    public var outputs: [String]
    public var name: String
    public var attributes: [ONNXAttribute] = []

    public func encode(into w: inout ProtoWriter) {
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        w.string(3, name)
        w.string(4, op)
        for a in attributes { w.message(5, a) }
    }
}

/// ValueInfoProto (name=1, type=2) of a float tensor; TypeProto.tensor_type=1 → elem_type=1,
/// shape=2 → TensorShapeProto.dim=1 → dim_value=1 | dim_param=2.
public struct ONNXValueInfo: ProtoMessage {
    public enum Dim { case value(Int), param(String) }
    public var name: String
    public var dims: [Dim]

    struct DimProto: ProtoMessage {
        var dim: Dim
        func encode(into w: inout ProtoWriter) {
            switch dim {
            case .value(let v): w.int(1, Int64(v))
            case .param(let p): w.string(2, p)
            }
        }
    }
    struct ShapeProto: ProtoMessage {
        var dims: [Dim]
        func encode(into w: inout ProtoWriter) { for d in dims { w.message(1, DimProto(dim: d)) } }
    }
    struct TensorTypeProto: ProtoMessage {
        var dims: [Dim]
        func encode(into w: inout ProtoWriter) { w.int(1, ONNXDataType.float.rawValue); w.message(2, ShapeProto(dims: dims)) }
    }
    struct TypeProto: ProtoMessage {
        var dims: [Dim]
        func encode(into w: inout ProtoWriter) { w.message(1, TensorTypeProto(dims: dims)) }
    }

    public func encode(into w: inout ProtoWriter) {
        w.string(1, name)
        w.message(2, TypeProto(dims: dims))
    }
}

/// GraphProto: node=1, name=2, initializer=5, doc_string=10, input=11, output=12.
public struct ONNXGraph: ProtoMessage {
    public var name: String
    public var nodes: [ONNXNode] = []
    public var initializers: [ONNXTensor] = []
    public var inputs: [ONNXValueInfo] = []
    public var outputs: [ONNXValueInfo] = []

    public func encode(into w: inout ProtoWriter) {
        for n in nodes { w.message(1, n) }
        w.string(2, name)
        for t in initializers { w.message(5, t) }
        for i in inputs { w.message(11, i) }
        for o in outputs { w.message(12, o) }
    }
}

/// ModelProto: ir_version=1, producer_name=2, producer_version=3, doc_string=6, graph=7,
/// opset_import=8 (OperatorSetIdProto: domain=1, version=2), metadata_props=14 (key=1, value=2).
public struct ONNXModel: ProtoMessage {
    /// IR 8 with opset 17 (ONNX 1.12–1.13 era): loadable by onnxruntime ≥ 1.12 and by the
    /// deployed builds that reject IR 9/10 files; everything the export emits exists in opset 13.
    public static let irVersion: Int64 = 8
    public static let opset: Int64 = 17

    public var graph: ONNXGraph
    public var producerName = "reidkd"
    public var producerVersion = ""
    public var docString = ""
    public var metadata: [(String, String)] = []

    struct OpsetProto: ProtoMessage {
        var version: Int64
        func encode(into w: inout ProtoWriter) { w.string(1, ""); w.int(2, version) }
    }
    struct EntryProto: ProtoMessage {
        var key: String, value: String
        func encode(into w: inout ProtoWriter) { w.string(1, key); w.string(2, value) }
    }

    public func encode(into w: inout ProtoWriter) {
        w.int(1, ONNXModel.irVersion)
        w.string(2, producerName)
        if !producerVersion.isEmpty { w.string(3, producerVersion) }
        if !docString.isEmpty { w.string(6, docString) }
        w.message(7, graph)
        w.message(8, OpsetProto(version: ONNXModel.opset))
        for (k, v) in metadata { w.message(14, EntryProto(key: k, value: v)) }
    }
}
