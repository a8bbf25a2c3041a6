// Every layer type of the zoo lowered to ONNX and run by onnxruntime against the native eval
// forward on the same random batch (max |Δ| ≤ 1e-4). Skipped, with the reason printed, when
// python3 cannot import numpy and onnxruntime. Models are tiny (width 0.125, 32×16 inputs)
// with randomised BN statistics so that BN folding is exercised. Without onnxruntime the
// structural checks (graph inputs/outputs, no BatchNormalization left, error naming) still run.
import XCTest
import Foundation
import Tensor
import NN
@testable import Export

final class ONNXParityTests: XCTestCase {
    func parity(_ spec: ModelSpec, file: StaticString = #filePath, line: UInt = #line) throws {
        try Fixtures.requireONNXRuntime()
        let m = try Fixtures.model(spec)
        let x = randomBatch(n: 3, spec.inputSize)
        let native = withNoGrad { m(x) }.copy()
        let dir = Fixtures.tempDir("parity")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(try ONNXExport.lower(m, inputSize: spec.inputSize).encoded()).write(to: URL(fileURLWithPath: "\(dir)/m.onnx"))
        let p = try ONNXRuntimeCheck.compare(onnxPath: "\(dir)/m.onnx", images: x, native: native)
        print("  \(spec.backbone) ibn=\(spec.ibn) se=\(spec.se) pooling=\(spec.pooling) neck=\(spec.neckFeat) dim=\(spec.embeddingDim): \(p.summary)")
        XCTAssertNil(p.skipped, file: file, line: line)
        XCTAssertLessThanOrEqual(p.maxAbsDiff, ONNXParity.tolerance, file: file, line: line)
        XCTAssertFalse(p.checker.hasPrefix("failed"), p.checker, file: file, line: line)
    }

    func randomBatch(n: Int, _ size: [Int]) -> Tensor {
        var rng = RandomGenerator(seed: 99)
        return Tensor.randn([n, 3] + size, rng: &rng)
    }

    func testResNet18() throws { try parity(Fixtures.spec { _ in }) }
    func testResNet50BottleneckLastStride2() throws { try parity(Fixtures.spec { $0.depth = 50; $0.lastStride = 2 }) }
    func testMobileNetV2() throws { try parity(Fixtures.spec { $0.backbone = "mobilenetv2"; $0.width = 0.25 }) }
    func testIBNAndSE() throws { try parity(Fixtures.spec { $0.ibn = true; $0.se = true }) }
    func testGeMPooling() throws { try parity(Fixtures.spec { $0.pooling = "gem" }) }
    func testAttentionPooling() throws { try parity(Fixtures.spec { $0.pooling = "attention" }) }
    func testMaxAndAvgMaxPooling() throws {
        try parity(Fixtures.spec { $0.pooling = "max" })
        try parity(Fixtures.spec { $0.pooling = "avgmax" })
    }
    func testFlattenPooling() throws { try parity(Fixtures.spec { $0.pooling = "flatten"; $0.lastStride = 2 }) }
    func testNeckAfterWithReduction() throws { try parity(Fixtures.spec { $0.neckFeat = "after"; $0.embeddingDim = 24 }) }
    func testNeckAfterBNOnly() throws { try parity(Fixtures.spec { $0.neckFeat = "after" }) }

    // MARK: Structure (no onnxruntime needed)

    func testGraphInterfaceAndFoldedBN() throws {
        let m = try Fixtures.model(Fixtures.spec { $0.neckFeat = "after"; $0.embeddingDim = 24 })
        let g = try ONNXExport.lower(m, inputSize: [32, 16]).graph
        XCTAssertEqual(g.inputs.map(\.name), ["images"])
        XCTAssertEqual(g.outputs.map(\.name), ["embedding"])
        guard case .param("N") = g.inputs[0].dims[0], case .value(24) = g.outputs[0].dims[1] else {
            return XCTFail("batch must be the dim_param N and the embedding 24-d")
        }
        let ops = g.nodes.map(\.op)
        XCTAssertFalse(ops.contains("BatchNormalization"))
        XCTAssertFalse(ops.contains("Mul"), "the BNNeck must be folded into the reduction Gemm")
        XCTAssertEqual(ops.filter { $0 == "Conv" }.count, 1 + 2 * 8 + 3)   // stem, 2 per block, 3 downsamples
        XCTAssertEqual(ops.filter { $0 == "Gemm" }.count, 1)
        // No classifier in the graph; initializer names are unique.
        XCTAssertFalse(g.initializers.contains { $0.name.contains("heads.weight") })
        XCTAssertEqual(Set(g.initializers.map(\.name)).count, g.initializers.count)
    }

    func testNeckBeforeLeavesTheNeckOut() throws {
        let m = try Fixtures.model(Fixtures.spec { $0.neckFeat = "before"; $0.embeddingDim = 24 })
        let g = try ONNXExport.lower(m, inputSize: [32, 16]).graph
        XCTAssertFalse(g.nodes.contains { $0.op == "Gemm" })
        guard case .value(let d) = g.outputs[0].dims[1] else { return XCTFail() }
        XCTAssertEqual(d, m.heads.inFeatures)
    }

    final class Unknown: Module, Layer {
        override init() { super.init() }
        func forward(_ x: Tensor) -> Tensor { x }
    }

    func testUnsupportedModuleIsNamed() {
        var l = Lowering(builder: ONNXGraphBuilder(name: "t"))
        XCTAssertThrowsError(try l.layer(Unknown(), path: "backbone.layer9.weird", "x")) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("'backbone.layer9.weird'") && s.contains("Unknown") && s.contains("no ONNX lowering"), s)
        }
    }

    func testIdentityPoolingNeedsAOneByOneMap() throws {
        let m = try Fixtures.model(Fixtures.spec { $0.pooling = "identity" })
        XCTAssertThrowsError(try ONNXExport.lower(m, inputSize: [32, 16])) { e in
            XCTAssertTrue("\(e)".contains("needs a 1×1 backbone output, got 2×1"), "\(e)")
        }
    }
}
