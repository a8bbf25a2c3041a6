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
    func randomBatch(n: Int, _ size: [Int]) -> Tensor {
        var rng = RandomGenerator(seed: 99)
        return Tensor.randn([n, 3] + size, rng: &rng)
    }

    /// Every layer type of the zoo, each in at least one model; all run in one Python process.
    static let zoo: [(String, ModelSpec)] = [
        ("ResNet-18", Fixtures.spec { _ in }),
        ("ResNet-50 bottleneck, last stride 2", Fixtures.spec { $0.depth = 50; $0.lastStride = 2 }),
        ("MobileNetV2 ×0.25", Fixtures.spec { $0.backbone = "mobilenetv2"; $0.width = 0.25 }),
        ("ResNet-18 IBN-a + SE", Fixtures.spec { $0.ibn = true; $0.se = true }),
        // FastReID's stem (imported models): ceil-mode max pool, on an odd map where it changes the size.
        ("ResNet-18, FastReID stem pool", Fixtures.spec { $0.stemPool = "fastreid"; $0.inputSize = [34, 18] }),
        ("ResNet-50 IBN-a + SE", Fixtures.spec { $0.depth = 50; $0.ibn = true; $0.se = true }),
        ("GeM pooling", Fixtures.spec { $0.pooling = "gem" }),
        ("attention pooling", Fixtures.spec { $0.pooling = "attention" }),
        ("max pooling", Fixtures.spec { $0.pooling = "max" }),
        ("avg+max pooling", Fixtures.spec { $0.pooling = "avgmax" }),
        ("flatten pooling", Fixtures.spec { $0.pooling = "flatten"; $0.lastStride = 2 }),
        ("neck after, reduction 24 + BN (Gemm)", Fixtures.spec { $0.neckFeat = "after"; $0.embeddingDim = 24 }),
        ("neck after, BN only (Mul+Add)", Fixtures.spec { $0.neckFeat = "after" }),
    ]

    func testEveryLayerTypeMatchesOnnxRuntime() throws {
        try Fixtures.requireONNXRuntime()
        let dir = Fixtures.tempDir("parity")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var cases: [ONNXRuntimeCheck.Case] = []
        for (i, (_, spec)) in Self.zoo.enumerated() {
            let m = try Fixtures.model(spec, seed: UInt64(i + 1))
            let x = randomBatch(n: 3, spec.inputSize)
            let path = "\(dir)/m\(i).onnx"
            try Data(try ONNXExport.lower(m, inputSize: spec.inputSize).encoded()).write(to: URL(fileURLWithPath: path))
            cases.append(.init(onnxPath: path, images: x, native: withNoGrad { m(x) }.copy()))
        }
        let results = try ONNXRuntimeCheck.compare(cases)
        for ((name, _), p) in zip(Self.zoo, results) {
            print("  \(name): \(p.summary)")
            XCTAssertNil(p.skipped, name)
            XCTAssertLessThanOrEqual(p.maxAbsDiff, ONNXParity.tolerance, name)
            XCTAssertFalse(p.checker.hasPrefix("failed"), "\(name): \(p.checker)")
        }
    }

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

    func testEncodingIsDeterministic() throws {
        let m = try Fixtures.model(Fixtures.spec { $0.ibn = true; $0.pooling = "attention" })
        XCTAssertEqual(try ONNXExport.lower(m, inputSize: [32, 16]).encoded(), try ONNXExport.lower(m, inputSize: [32, 16]).encoded())
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
        // The model itself refuses a size whose map is not 1×1 (ReidModel.validate) …
        XCTAssertThrowsError(try Fixtures.model(Fixtures.spec { $0.pooling = "identity" })) { e in
            XCTAssertTrue("\(e)".contains("MODEL.HEADS.POOL_LAYER identity"), "\(e)")
        }
        // … and so does the lowering, for a model built at a size where it is.
        let m = try Fixtures.model(Fixtures.spec { $0.pooling = "identity"; $0.inputSize = [16, 16] })
        XCTAssertThrowsError(try ONNXExport.lower(m, inputSize: [32, 16])) { e in
            XCTAssertTrue("\(e)".contains("needs a 1×1 backbone output, got 2×1"), "\(e)")
        }
    }
}
