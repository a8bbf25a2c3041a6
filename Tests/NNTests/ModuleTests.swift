// Module tree: dotted keys, state dict order and round trip, mismatch errors, mode propagation,
// frozen BNNeck bias.
import XCTest
import TestSupport
@testable import NN
import Tensor

final class ModuleTests: XCTestCase {
    func testResNetKeysFollowTorchvisionNames() throws {
        let m = try ReidModel(spec: tinySpec(), seed: 1)
        let keys = m.stateDict().map(\.0)
        XCTAssertEqual(Array(keys.prefix(6)), ["backbone.conv1.weight", "backbone.bn1.weight", "backbone.bn1.bias",
                                               "backbone.bn1.running_mean", "backbone.bn1.running_var", "backbone.layer1.0.conv1.weight"])
        for k in ["backbone.layer2.0.downsample.0.weight", "backbone.layer2.0.downsample.1.running_var",
                  "backbone.layer4.1.bn2.bias", "heads.bottleneck.0.weight", "heads.bottleneck.0.bias", "heads.weight"] {
            XCTAssertTrue(keys.contains(k), k)
        }
        XCTAssertEqual(Set(keys).count, keys.count, "keys are unique")
        XCTAssertEqual(m.namedParameters().count + m.namedBuffers().count, keys.count)
        XCTAssertFalse(keys.contains { $0.contains("maxpool") })
    }

    func testVariantKeys() throws {
        let ibn = try ReidModel(spec: tinySpec { $0.ibn = true; $0.se = true; $0.embeddingDim = 12; $0.pooling = "gem" }, seed: 1)
        let keys = ibn.stateDict().map(\.0)
        for k in ["backbone.layer1.0.bn1.IN.weight", "backbone.layer3.1.bn1.BN.running_mean", "backbone.layer1.0.se.fc.0.weight",
                  "backbone.layer4.0.se.fc.2.weight", "heads.pool_layer.p", "heads.bottleneck.0.weight", "heads.bottleneck.1.bias"] {
            XCTAssertTrue(keys.contains(k), k)
        }
        XCTAssertFalse(keys.contains("backbone.layer4.0.bn1.IN.weight"), "IBN only in layer1–3")
        let mb = try ReidModel(spec: tinySpec { $0.backbone = "mobilenetv2"; $0.width = 0.25 }, seed: 1)
        let mk = mb.stateDict().map(\.0)
        for k in ["backbone.features.0.0.weight", "backbone.features.1.conv.0.0.weight", "backbone.features.2.conv.1.0.weight",
                  "backbone.features.2.conv.3.running_var", "backbone.features.18.1.weight"] {
            XCTAssertTrue(mk.contains(k), k)
        }
    }

    func testStateDictRoundTripAndMismatch() throws {
        let a = try ReidModel(spec: tinySpec(), seed: 1), b = try ReidModel(spec: tinySpec(), seed: 2)
        let x = randomTensor([2, 3, 32, 16], seed: 3, requiresGrad: false)
        a.eval(); b.eval()
        XCTAssertNotEqual(a(x).scalars, b(x).scalars)
        try b.loadStateDict(a.stateDict().map { ($0.0, $0.1.copy()) })
        XCTAssertEqual(a(x).scalars, b(x).scalars)

        let wide = try ReidModel(spec: tinySpec { $0.width = 0.25 }, seed: 1)
        XCTAssertThrowsError(try wide.loadStateDict(a.stateDict())) { e in
            let msg = String(describing: e)
            XCTAssertTrue(msg.contains("shape mismatch") && msg.contains("backbone.conv1.weight: checkpoint [8, 3, 7, 7] vs model [16, 3, 7, 7]"), msg)
        }
        var partial = a.stateDict()
        partial.removeLast()
        partial.append(("heads.extra", Tensor.zeros([1])))
        XCTAssertThrowsError(try b.loadStateDict(partial)) { e in
            let msg = String(describing: e)
            // PyTorch order: a module's own parameters before its children's, so the head's
            // classifier `heads.weight` precedes `heads.bottleneck.*` and the last key is a BN buffer.
            XCTAssertTrue(msg.contains("missing in checkpoint (1): heads.bottleneck.0.running_var") && msg.contains("not in model (1): heads.extra"), msg)
        }
    }

    func testModePropagatesAndBNNeckBiasStaysFrozen() throws {
        let m = try ReidModel(spec: tinySpec(), seed: 1)
        m.eval()
        XCTAssertTrue(m.namedModules().allSatisfy { !$0.1.isTraining })
        m.train()
        XCTAssertTrue(m.namedModules().allSatisfy { $0.1.isTraining })
        let bias = m.namedParameters().first { $0.0 == "heads.bottleneck.0.bias" }!.1
        XCTAssertTrue(bias.isFrozen)
        XCTAssertFalse(m.trainableParameters().contains { $0 === bias })
        let out = m.forward(randomTensor([4, 3, 32, 16], seed: 2, requiresGrad: false), targets: [0, 1, 2, 3])
        crossEntropyLoss(out.logits!, targets: [0, 1, 2, 3]).backward()
        XCTAssertNil(bias.grad)
        XCTAssertEqual(bias.scalars, [Float](repeating: 0, count: bias.count))
        XCTAssertNotNil(m.backbone.namedParameters().first!.1.grad)
    }

    /// A Sequential runs BatchNorm → ReLU6 (MobileNetV2) and BatchNorm → ReLU as one fused op,
    /// with the values and gradients of the layers run one by one.
    func testSequentialFusesBatchNormActivation() {
        for relu6 in [true, false] {
            var rng = RandomGenerator(seed: 3)
            let bn = BatchNorm(4)
            bn.weight.pointer.update(from: [4, 3, 5, 2], count: 4)   // some outputs above 6
            let act: any Layer = relu6 ? ReLU6() : ReLU()
            let seq = Sequential([bn, act])
            let x = Tensor.randn([3, 4, 2, 2], rng: &rng); x.requiresGrad = true
            let probe = Tensor.randn([3, 4, 2, 2], rng: &rng)
            let fused = seq(x)
            XCTAssertEqual(fused.gradFnName, relu6 ? "batch_norm_relu_capped" : "batch_norm_relu")
            (fused * probe).sum().backward()
            let (gx, gw) = (x.grad!.scalars, bn.weight.grad!.scalars)
            x.grad = nil; bn.zeroGrad()
            let plain = act.forward(bn.forward(x))
            (plain * probe).sum().backward()
            XCTAssertEqual(fused.scalars, plain.scalars)
            assertClose(gx, x.grad!.scalars, atol: 1e-5, rtol: 1e-5)
            assertClose(gw, bn.weight.grad!.scalars, atol: 1e-5, rtol: 1e-5)
        }
    }

    func testRegistriesSuggestClosestName() {
        XCTAssertThrowsError(try poolingRegistry.lookup("gme")) { e in
            XCTAssertTrue(String(describing: e).contains("did you mean 'gem'"), String(describing: e))
        }
        XCTAssertThrowsError(try ReidModel(spec: tinySpec { $0.backbone = "resnt" }, seed: 1)) { e in
            XCTAssertTrue(String(describing: e).contains("unknown backbone 'resnt' — did you mean 'resnet'"), String(describing: e))
        }
        XCTAssertThrowsError(try ReidModel(spec: tinySpec { $0.classifier = "arcfase" }, seed: 1)) { e in
            XCTAssertTrue(String(describing: e).contains("did you mean 'arcface'"), String(describing: e))
        }
        XCTAssertThrowsError(try ReidModel(spec: tinySpec { $0.depth = 51 }, seed: 1)) { e in
            XCTAssertTrue(String(describing: e).contains("depth 51"), String(describing: e))
        }
        XCTAssertThrowsError(try ReidModel(spec: tinySpec { $0.numClasses = 0 }, seed: 1)) { e in
            XCTAssertTrue(String(describing: e).contains("NUM_CLASSES"), String(describing: e))
        }
        XCTAssertThrowsError(try ReidLoss(spec: { var s = LossSpec(); s.names = ["tripplet"]; return s }())) { e in
            XCTAssertTrue(String(describing: e).contains("did you mean 'triplet'"), String(describing: e))
        }
    }

    func testSpecDecodesWithDefaultsAndRejectsUnknownKeys() throws {
        let s = try JSONDecoder().decode(ModelSpec.self, from: Data(#"{"depth": 34, "last_stride": 2, "neck_feat": "after"}"#.utf8))
        var expected = ModelSpec()
        expected.depth = 34; expected.lastStride = 2; expected.neckFeat = "after"
        XCTAssertEqual(s, expected)
        let round = try JSONDecoder().decode(ModelSpec.self, from: JSONEncoder().encode(ModelSpec.referenceStudent))
        XCTAssertEqual(round, .referenceStudent)
        XCTAssertThrowsError(try JSONDecoder().decode(ModelSpec.self, from: Data(#"{"embeding_dim": 3}"#.utf8))) { e in
            XCTAssertTrue(String(describing: e).contains("did you mean 'embedding_dim'"), String(describing: e))
        }
    }

    func testLossSpecDecodesWithDefaults() throws {
        let s = try JSONDecoder().decode(LossSpec.self, from: Data(#"{"names": ["ce", "circle"], "circle_gamma": 64}"#.utf8))
        var expected = LossSpec()
        expected.names = ["ce", "circle"]; expected.circleGamma = 64
        XCTAssertEqual(s, expected)
        XCTAssertThrowsError(try JSONDecoder().decode(LossSpec.self, from: Data(#"{"triplet_margn": 0}"#.utf8))) { e in
            XCTAssertTrue(String(describing: e).contains("did you mean 'triplet_margin'"), String(describing: e))
        }
    }

    func testSameSeedSameModel() throws {
        let a = try ReidModel(spec: tinySpec(), seed: 9), b = try ReidModel(spec: tinySpec(), seed: 9)
        for ((ka, ta), (kb, tb)) in zip(a.stateDict(), b.stateDict()) {
            XCTAssertEqual(ka, kb); XCTAssertEqual(ta.scalars, tb.scalars, ka)
        }
    }
}
