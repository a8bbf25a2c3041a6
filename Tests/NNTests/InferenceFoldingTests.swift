// Folding a whole model's conv→BN pairs for inference: the eval forward is unchanged (within
// float rounding) for ResNet basic/bottleneck (with IBN and SE) and MobileNetV2, every foldable
// pair is found, IBN halves are left alone, and train mode is untouched by the folding.
import XCTest
import Tensor
import TestSupport
@testable import NN

final class InferenceFoldingTests: XCTestCase {
    /// Random BN statistics everywhere, so folding is not the identity.
    func randomizeNorms(_ m: Module, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        for (_, mod) in m.namedModules() {
            guard let bn = mod as? BatchNorm else { continue }
            let c = bn.runningMean.count
            bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng))
            bn.bias.assign(Tensor.uniform([c], low: -0.3, high: 0.3, rng: &rng))
            bn.runningMean.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng))
            bn.runningVar.assign(Tensor.uniform([c], low: 0.5, high: 2, rng: &rng))
        }
    }

    func check(_ edit: (inout ModelSpec) -> Void, expectFolds: Int, seed: UInt64) throws {
        let model = try ReidModel(spec: tinySpec(edit), seed: seed)
        randomizeNorms(model, seed: seed + 1)
        _ = model.eval()
        let x = randomTensor([2, 3, 32, 16], seed: seed + 2, requiresGrad: false)
        let reference = withNoGrad { model.forward(x) }
        XCTAssertEqual(InferenceFolding.fold(model), expectFolds)
        XCTAssertEqual(InferenceFolding.fold(model), 0, "folding twice does nothing")
        let folded = withNoGrad { model.forward(x) }
        assertClose(folded.scalars, reference.scalars, atol: 1e-4, rtol: 1e-4)
        // The state dict does not change (the teacher's identity and checkpoints stay the same).
        XCTAssertFalse(model.stateDict().contains { $0.0.contains("folded") })
    }

    func testResNetBasic() throws {
        // stem 1 + 8 blocks × 2 + 3 downsample = 20 pairs.
        try check({ _ in }, expectFolds: 20, seed: 1)
    }

    func testResNetBottleneckSE() throws {
        // stem 1 + 16 blocks × 3 + 4 downsample = 53.
        try check({ $0.depth = 50; $0.se = true }, expectFolds: 53, seed: 2)
    }

    func testIBNLeavesInstanceNormHalves() throws {
        // IBN replaces bn1 in layers 1–3 (2+2+2 blocks), which stay unfolded: 20 − 6 = 14.
        try check({ $0.ibn = true }, expectFolds: 14, seed: 3)
    }

    func testMobileNetV2() throws {
        let model = try ReidModel(spec: tinySpec { $0.backbone = "mobilenetv2"; $0.width = 0.5 }, seed: 4)
        let convs = model.namedModules().filter { $0.1 is Conv2d && !$0.0.hasPrefix("heads") }.count
        try check({ $0.backbone = "mobilenetv2"; $0.width = 0.5 }, expectFolds: convs, seed: 4)
    }

    func testTrainModeUnaffected() throws {
        let model = try ReidModel(spec: tinySpec(), seed: 5)
        randomizeNorms(model, seed: 6)
        let x = randomTensor([4, 3, 32, 16], seed: 7, requiresGrad: false)
        _ = model.train()
        let before = withNoGrad { model.forward(x) }
        _ = model.eval()
        InferenceFolding.fold(model)
        _ = model.train()
        let after = withNoGrad { model.forward(x) }
        XCTAssertEqual(after.scalars, before.scalars)
    }
}
