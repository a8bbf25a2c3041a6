// Poolings and classifier heads on small hand-computed cases, plus gradient checks.
import XCTest
import TestSupport
@testable import NN
import Tensor

final class HeadTests: XCTestCase {
    func pooling(_ name: String, channels: Int = 2) throws -> any Pooling {
        var rng = RandomGenerator(seed: 1)
        return try poolingRegistry.lookup(name)(channels, &rng)
    }

    func testPoolingValues() throws {
        // One image, 2 channels, 2×2 maps.
        let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 0, 0, 0, 8])
        XCTAssertEqual(try pooling("avg").forward(x).scalars, [2.5, 2])
        XCTAssertEqual(try pooling("max").forward(x).scalars, [4, 8])
        XCTAssertEqual(try pooling("avgmax").forward(x).scalars, [6.5, 10])
        XCTAssertEqual(try pooling("flatten").forward(x).shape, [1, 8])
        // GeM p = 3: (mean x³)^(1/3) = (100/4)^(1/3) and (512/4)^(1/3) (zeros clamp to 1e-6).
        let gem = try pooling("gem").forward(x).scalars
        XCTAssertEqual(gem[0], Float(pow(25.0, 1.0 / 3)), accuracy: 1e-4)
        XCTAssertEqual(gem[1], Float(pow(128.0, 1.0 / 3)), accuracy: 1e-4)
        // Attention starts with zero scores: a uniform softmax, i.e. average pooling.
        XCTAssertEqual(try pooling("attention").forward(x).scalars, [2.5, 2])
    }

    func testPoolingGradients() throws {
        for name in ["gem", "attention", "avgmax"] {
            let p = try pooling(name, channels: 3)
            if let att = p as? AttentionPooling {   // non-uniform attention for a meaningful check
                att.attention.weight.assign(randomTensor([1, 3, 1, 1], seed: 4, requiresGrad: false))
            }
            let x = randomTensor([2, 3, 3, 2], seed: 5)
            if name == "gem" { for i in 0..<x.count { x.pointer[i] = abs(x.pointer[i]) + 0.5 } }
            let params = p.trainableParameters()
            assertGradients([x] + params) { _ in p(x) }
        }
    }

    func testGeMPIsLearnableAndClamped() throws {
        let g = GeMPooling(learnable: true)
        XCTAssertFalse(g.p.isFrozen)
        g.p.assign(Tensor([0.2]))
        let x = Tensor(shape: [1, 1, 1, 2], scalars: [1, 3])
        XCTAssertEqual(g(x).scalars[0], 2, accuracy: 1e-5)   // p clamped to 1: the average
        XCTAssertTrue(GeMPooling(learnable: false).p.isFrozen)
    }

    func head(_ cls: String, scale: Double = 2, margin: Double = 0.5) throws -> EmbeddingHead {
        var rng = RandomGenerator(seed: 1)
        var spec = ModelSpec()
        spec.numClasses = 2; spec.classifier = cls; spec.scale = scale; spec.margin = margin; spec.bnneck = false
        let h = try EmbeddingHead(spec: spec, channels: 2, mapSize: [1, 1], rng: &rng)
        h.weight.assign(Tensor(shape: [2, 2], scalars: [1, 0, 0, 2]))   // unit directions e0, e1 (scaled)
        return h
    }

    func testClassifierLogits() throws {
        // Feature (0.6, 0.8) as a 1×1 map: cosines with the classes are 0.6 and 0.8; label 0.
        let x = Tensor(shape: [1, 2, 1, 1], scalars: [0.6, 0.8])
        let lin = try head("linear").forward(x, targets: [0])
        nnAssertClose(lin.logits!.scalars, [1.2, 3.2])                  // s·f·Wᵀ = 2·(0.6, 1.6)
        let cos = try head("cosface").forward(x, targets: [0])
        nnAssertClose(cos.logits!.scalars, [2 * (0.6 - 0.5), 2 * 0.8])
        nnAssertClose(cos.predLogits!.scalars, [1.2, 1.6])
        let arc = try head("arcface").forward(x, targets: [0])
        nnAssertClose(arc.logits!.scalars, [0.2860182, 1.6], atol: 1e-4)  // Scripts/nn_loss_golden.py
        let circ = try head("circle", margin: 0.25).forward(x, targets: [0])
        // target: α_p = 1.25 − 0.6 = 0.65, Δ_p = 0.75 → 2·0.65·(−0.15); other: α_n = 1.05, Δ_n = 0.25.
        nnAssertClose(circ.logits!.scalars, [2 * 0.65 * (0.6 - 0.75), 2 * 1.05 * (0.8 - 0.25)])
    }

    func testMarginClassifierGradients() throws {
        for cls in ["arcface", "cosface", "linear"] {
            let h = try head(cls, scale: 3, margin: 0.3)
            let x = randomTensor([3, 2, 1, 1], seed: 8)
            assertGradients([x, h.weight]) { _ in h.forward(x, targets: [0, 1, 1]).logits! }
        }
    }

    func testNeckFeatureChoiceAndEvalOutput() throws {
        let x = randomTensor([4, 3, 32, 16], seed: 1, requiresGrad: false)
        for after in [false, true] {
            let m = try ReidModel(spec: tinySpec { $0.neckFeat = after ? "after" : "before"; $0.embeddingDim = 10 }, seed: 3)
            let out = m.forward(x, targets: [0, 1, 2, 3])
            XCTAssertTrue(out.features === (after ? out.head.postNeck : out.head.preNeck))
            m.eval()
            let e = m.forward(x, targets: nil)
            XCTAssertNil(e.logits)
            XCTAssertEqual(e.features.shape, [4, after ? 10 : 64])
        }
    }
}

func nnAssertClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > atol + 1e-5 * abs(y) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line); return
    }
}
