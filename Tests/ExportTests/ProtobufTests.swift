// The hand-written protobuf encoder against bytes worked out by hand from the wire format
// (key = field << 3 | wire type; varints little-endian base 128), for scalars and for the ONNX
// messages of a tiny graph; and, when the `onnx` Python package is importable, that
// onnx.checker accepts a whole lowered model.
import XCTest
import Foundation
@testable import Export

final class ProtobufTests: XCTestCase {
    func bytes(_ f: (inout ProtoWriter) -> Void) -> [UInt8] { var w = ProtoWriter(); f(&w); return w.bytes }

    func testScalars() {
        XCTAssertEqual(bytes { $0.int(1, 1) }, [0x08, 0x01])
        XCTAssertEqual(bytes { $0.int(1, 300) }, [0x08, 0xAC, 0x02])            // the protobuf docs' example
        XCTAssertEqual(bytes { $0.int(20, 7) }, [0xA0, 0x01, 0x07])             // field 20 needs a 2-byte key
        XCTAssertEqual(bytes { $0.int(3, -1) }, [0x18] + [UInt8](repeating: 0xFF, count: 9) + [0x01])  // 10-byte negative
        XCTAssertEqual(bytes { $0.string(2, "hi") }, [0x12, 0x02, 0x68, 0x69])
        XCTAssertEqual(bytes { $0.float(2, 1e-5) }, [0x15, 0xAC, 0xC5, 0x27, 0x37])  // 1e-5f = 0x3727C5AC, little-endian
        XCTAssertEqual(bytes { $0.packedInts(7, [1, 2, 300]) }, [0x3A, 0x04, 0x01, 0x02, 0xAC, 0x02])
    }

    func testNodeAndAttributes() {
        let node = ONNXNode(op: "Relu", inputs: ["x"], outputs: ["y"], name: "n")
        XCTAssertEqual(node.encoded(), [0x0A, 0x01, 0x78, 0x12, 0x01, 0x79, 0x1A, 0x01, 0x6E, 0x22, 0x04, 0x52, 0x65, 0x6C, 0x75])
        // ints attribute: name=1 "k", ints=8 (not packed in proto2) 3 and 3, type=20 INTS (7).
        XCTAssertEqual(ONNXAttribute.ints("k", [3, 3]).encoded(), [0x0A, 0x01, 0x6B, 0x40, 0x03, 0x40, 0x03, 0xA0, 0x01, 0x07])
        XCTAssertEqual(ONNXAttribute.int("axis", 1).encoded(), [0x0A, 0x04, 0x61, 0x78, 0x69, 0x73, 0x18, 0x01, 0xA0, 0x01, 0x02])
    }

    func testTensorAndValueInfo() {
        // dims=1 (2), data_type=2 FLOAT, name=8 "w", raw_data=9 (two floats 1.0 = 0x3F800000, −2.0 = 0xC0000000).
        XCTAssertEqual(ONNXTensor.float("w", dims: [2], [1, -2]).encoded(),
                       [0x08, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
        // ValueInfo "x" : float [N, 3] → type { tensor_type { elem_type 1, shape { dim { dim_param "N" } dim { dim_value 3 } } } }
        let shape: [UInt8] = [0x0A, 0x03, 0x12, 0x01, 0x4E, 0x0A, 0x02, 0x08, 0x03]
        let tensorType: [UInt8] = [0x08, 0x01, 0x12, UInt8(shape.count)] + shape
        let type: [UInt8] = [0x0A, UInt8(tensorType.count)] + tensorType
        XCTAssertEqual(ONNXValueInfo(name: "x", dims: [.param("N"), .value(3)]).encoded(), [0x0A, 0x01, 0x78, 0x12, UInt8(type.count)] + type)
    }

    func testTinyModelFraming() {
        var g = ONNXGraph(name: "g")
        g.nodes = [ONNXNode(op: "Relu", inputs: ["x"], outputs: ["y"], name: "n")]
        let m = ONNXModel(graph: g, producerVersion: "")
        let b = m.encoded()
        // ir_version 8, producer_name "reidkd", …, then graph (field 7), then opset_import (field 8) { domain "", version 17 }.
        XCTAssertEqual(Array(b.prefix(10)), [0x08, 0x08, 0x12, 0x06] + Array("reidkd".utf8))
        let graph = g.encoded()
        XCTAssertEqual(Array(b[10..<(12 + graph.count)]), [0x3A, UInt8(graph.count)] + graph)
        XCTAssertEqual(Array(b.suffix(6)), [0x42, 0x04, 0x0A, 0x00, 0x10, 0x11])
        XCTAssertEqual(b.count, 10 + 2 + graph.count + 6)
    }

    func testLoweredModelPassesOnnxChecker() throws {
        let probe = try ONNXRuntimeCheck.runPython(["-c", "import onnx"])
        guard probe.status == 0 else {
            print("SKIP onnx.checker: the onnx Python package is not importable (pip install onnx)")
            throw XCTSkip("onnx not importable")
        }
        let m = try Fixtures.model(Fixtures.spec { $0.ibn = true; $0.se = true; $0.pooling = "gem" })
        let path = Fixtures.tempDir("checker") + "/m.onnx"
        try Data(try ONNXExport.lower(m, inputSize: [32, 16]).encoded()).write(to: URL(fileURLWithPath: path))
        let r = try ONNXRuntimeCheck.runPython(["-c", """
            import onnx, sys
            m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
            print(m.ir_version, m.opset_import[0].version, m.graph.input[0].name, m.graph.input[0].type.tensor_type.shape.dim[0].dim_param, m.graph.output[0].name)
            """, path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "8 17 images N embedding")
    }
}
