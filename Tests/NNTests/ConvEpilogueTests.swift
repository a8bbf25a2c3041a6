// The eval-mode BN (+ ReLU/ReLU6) fused into the conv (ConvEpilogue, Conv2d.forward(_:norm:)):
// bit-identical to conv → BN → activation on every conv path (im2col in chunks and per image,
// Winograd, both depthwise kernels; with and without a conv bias), and whole eval forwards of
// ResNet-18 (basic, IBN), ResNet-50 (bottleneck) and MobileNetV2 with random BN statistics
// equal with fusion on and off. Training mode and recording forwards never fuse.
import XCTest
import Tensor
import TestSupport
@testable import NN

final class ConvEpilogueTests: XCTestCase {
    /// Random γ, β, running mean and variance in every BatchNorm, so no BN is the identity.
    func randomizeNorms(_ m: Module, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        let norms = ([m] + m.namedModules().map(\.1)).compactMap { $0 as? BatchNorm }
        for bn in norms {
            let c = bn.weight.count
            bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng))
            if !bn.bias.isFrozen { bn.bias.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng)) }
            bn.runningMean.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng))
            bn.runningVar.assign(Tensor.uniform([c], low: 0.2, high: 2, rng: &rng))
        }
    }

    func withFusion<T>(_ on: Bool, _ body: () -> T) -> T {
        let saved = ConvEpilogue.fusing
        ConvEpilogue.fusing = on
        defer { ConvEpilogue.fusing = saved }
        return body()
    }

    func testEveryConvPathIsBitIdentical() {
        // (input, cin, cout, kernel, stride, groups): im2col chunks of many small images, one image
        // per chunk on a wide map, Winograd (64 channels, ≥ 128 tiles), depthwise lanes (≥ 8 images,
        // small map), depthwise plain (few images).
        let cases: [([Int], Int, Int, Int, Int, Int)] = [
            ([6, 8, 10, 6], 8, 16, 3, 1, 1), ([2, 8, 40, 24], 8, 12, 3, 2, 1), ([3, 16, 30, 20], 16, 8, 1, 1, 1),
            ([16, 64, 8, 4], 64, 64, 3, 1, 1), ([9, 24, 8, 4], 24, 24, 3, 1, 24), ([2, 24, 12, 10], 24, 24, 3, 2, 24),
        ]
        var rng = RandomGenerator(seed: 4)
        for (k, (xs, cin, cout, kernel, stride, groups)) in cases.enumerated() {
            for bias in [false, true] {
                let conv = Conv2d(cin, cout, kernel: kernel, stride: stride, padding: kernel / 2, groups: groups, bias: bias, rng: &rng)
                if let b = conv.bias { b.assign(Tensor.uniform([cout], low: -1, high: 1, rng: &rng)) }
                let bn = BatchNorm(cout)
                randomizeNorms(bn, seed: UInt64(10 + k))
                bn.eval()
                let x = randomTensor(xs, seed: UInt64(20 + k), requiresGrad: false)
                for (relu, cap) in [(false, Float.infinity), (true, .infinity), (true, 6)] {
                    let e = ConvEpilogue(runningMean: bn.runningMean, runningVar: bn.runningVar, weight: bn.weight, bias: bn.bias,
                                         eps: bn.eps, relu: relu, reluMax: cap)
                    let (kernel, layer, plain) = withNoGrad {
                        (conv2d(x, weight: conv.weight, bias: conv.bias, options: conv.options, epilogue: e),
                         conv.forward(x, norm: bn, relu: relu, reluMax: cap),
                         relu ? bn.forwardReLU(conv(x), max: cap) : bn(conv(x)))
                    }
                    XCTAssertEqual(kernel.scalars, plain.scalars, "case \(k) bias \(bias) relu \(relu) cap \(cap)")
                    XCTAssertEqual(layer.scalars, plain.scalars, "case \(k) bias \(bias) relu \(relu) cap \(cap)")
                }
            }
        }
    }

    func testWholeEvalForwardsAreBitIdentical() throws {
        let specs: [(String, ModelSpec)] = [
            ("r18", tinySpec()), ("r18 ibn", tinySpec { $0.ibn = true }), ("r50", tinySpec { $0.depth = 50 }),
            ("mbv2", tinySpec { $0.backbone = "mobilenetv2"; $0.width = 0.25 }),
        ]
        for (i, (name, spec)) in specs.enumerated() {
            let model = try ReidModel(spec: spec, seed: UInt64(i + 1))
            randomizeNorms(model, seed: UInt64(30 + i))
            _ = model.eval()
            let x = randomTensor([3, 3] + spec.inputSize, seed: UInt64(40 + i), requiresGrad: false)
            let fused = withNoGrad { model.forward(x, targets: nil).head.preNeck }
            let plain = withFusion(false) { withNoGrad { model.forward(x, targets: nil).head.preNeck } }
            XCTAssertEqual(fused.scalars, plain.scalars, name)
            // With gradients recorded the layers run unfused (a graph is built through the BN).
            let recorded = model.forward(randomTensor([3, 3] + spec.inputSize, seed: 1, requiresGrad: true), targets: nil).head.preNeck
            XCTAssertTrue(recorded.hasGradFn, name)
        }
    }
}
