// Backbones: published parameter and MAC counts, stage shapes, forward shapes for every
// registry entry.
import XCTest
import TestSupport
@testable import NN
import Tensor

final class BackboneTests: XCTestCase {
    func backbone(_ edit: (inout ModelSpec) -> Void) throws -> any Backbone {
        var spec = ModelSpec()
        spec.lastStride = 2   // ImageNet layout for published figures
        edit(&spec)
        var rng = RandomGenerator(seed: 1)
        return try backboneRegistry.lookup(spec.backbone)(spec, &rng)
    }

    func testPublishedParameterCounts() throws {
        // torchvision resnet50 / resnet18 without fc: 23,508,032 and 11,176,512 parameters.
        XCTAssertEqual(try backbone { $0.depth = 50 }.parameterCount, 23_508_032)
        XCTAssertEqual(try backbone { $0.depth = 18 }.parameterCount, 11_176_512)
        // resnet34 trunk: 21,284,672 (resnet101, 42,500,160, is left out: building it takes seconds).
        XCTAssertEqual(try backbone { $0.depth = 34 }.parameterCount, 21_284_672)
        // MobileNetV2 1.0 features (no classifier): 2,223,872.
        XCTAssertEqual(try backbone { $0.backbone = "mobilenetv2" }.parameterCount, 2_223_872)
    }

    func testResNet18MACsAt224() throws {
        let macs = try backbone { $0.depth = 18 }.forwardMACs(inputShape: [3, 224, 224])
        // Conv MACs summed layer by layer (7×7 stem at 112², 3×3 and 1×1 downsample convs at
        // 56²/28²/14²/7²) = 1,813,561,344; published figures say ≈ 1.81–1.82 G (the higher one
        // also counts BN/ReLU or the fc).
        XCTAssertEqual(macs.total, 1_813_561_344)
        XCTAssertEqual(Double(macs.total) / 1e9, 1.82, accuracy: 0.01)
        XCTAssertEqual(macs.byKind["linear"], nil)
    }

    func testStagesAndLastStride() throws {
        let x = randomTensor([2, 3, 64, 32], seed: 1, requiresGrad: false)
        for depth in [18, 50] {
            for ls in [1, 2] {
                let b = try backbone { $0.depth = depth; $0.width = 0.125; $0.lastStride = ls }
                let st = withNoGrad { b.forwardStages(x) }
                let e = depth == 50 ? 4 : 1
                XCTAssertEqual(st.map(\.shape), [[2, 8 * e, 16, 8], [2, 16 * e, 8, 4], [2, 32 * e, 4, 2],
                                                 [2, 64 * e, 4 / ls, 2 / ls]], "depth \(depth) last stride \(ls)")
                XCTAssertEqual(b.stageChannels, st.map { $0.shape[1] })
                XCTAssertEqual(b.outChannels, 64 * e)
            }
        }
        let mb = try backbone { $0.backbone = "mobilenetv2"; $0.width = 0.5; $0.lastStride = 1 }
        let st = withNoGrad { mb.forwardStages(x) }
        XCTAssertEqual(st.map(\.shape), [[2, 16, 16, 8], [2, 16, 8, 4], [2, 48, 4, 2], [2, 1280, 4, 2]])
        XCTAssertEqual(mb.stageChannels, [16, 16, 48, 1280])
    }

    func testEveryRegistryEntryForwardsWithExpectedShapes() throws {
        let x = randomTensor([4, 3, 32, 16], seed: 2, requiresGrad: false)
        let y = [0, 1, 2, 3]
        for bb in backboneRegistry.names {
            for pool in poolingRegistry.names {
                for cls in ClassifierKind.allCases {
                    for dim in [0, 6] where !(pool == "identity") {
                        let spec = tinySpec { s in
                            s.backbone = bb; s.pooling = pool; s.classifier = cls.rawValue; s.embeddingDim = dim
                            s.width = bb == "mobilenetv2" ? 0.25 : 0.125; s.scale = 4; s.margin = 0.2
                        }
                        let m = try ReidModel(spec: spec, seed: 1)
                        let c = m.backbone.outChannels
                        let pooled = pool == "flatten" ? c * 2 : c   // 32×16 → 2×1 map at last stride 1
                        let out = m.forward(x, targets: y)
                        let tag = "\(bb) \(pool) \(cls) dim \(dim)"
                        XCTAssertEqual(out.head.preNeck.shape, [4, pooled], tag)
                        XCTAssertEqual(out.head.postNeck.shape, [4, dim > 0 ? dim : pooled], tag)
                        XCTAssertEqual(out.logits?.shape, [4, 5], tag)
                        XCTAssertEqual(out.head.predLogits?.shape, [4, 5], tag)
                        XCTAssertTrue(out.logits!.scalars.allSatisfy(\.isFinite), tag)
                        m.eval()
                        XCTAssertEqual(m(x).shape, [4, pooled], tag)   // neck_feat "before"
                    }
                }
            }
        }
    }

    func testIdentityPoolingTakesOneByOneMaps() throws {
        let p = try poolingRegistry.lookup("identity")
        var rng = RandomGenerator(seed: 1)
        let pool = p(3, &rng)
        XCTAssertEqual(pool(Tensor.ones([2, 3, 1, 1])).shape, [2, 3])
        XCTAssertEqual(pool(Tensor.ones([2, 3])).shape, [2, 3])
    }
}
