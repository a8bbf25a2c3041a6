// MobileNetV2's inverted residual run image by image as one eval op (invertedResidualEval):
// bit-identical to the block's layers (each with its fused epilogue) for every block of a
// MobileNetV2 — with and without the expand conv, strides 1 and 2, with and without the
// shortcut — at batch 1 and 5, on two widths and an odd input size; and not taken in training
// mode or when a graph is recorded.
import XCTest
import Tensor
import TestSupport
@testable import NN

final class InvertedResidualEvalTests: XCTestCase {
    func randomizeNorms(_ m: Module, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        for bn in ([m] + m.namedModules().map(\.1)).compactMap({ $0 as? BatchNorm }) {
            let c = bn.weight.count
            bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng))
            bn.bias.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng))
            bn.runningMean.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng))
            bn.runningVar.assign(Tensor.uniform([c], low: 0.2, high: 2, rng: &rng))
        }
    }

    func testEveryBlockBitIdenticalToItsLayers() throws {
        try XCTSkipUnless(DepthwiseChannels.enabled && PointwiseEpilogue.enabled && InvertedResidualEval.enabled,
                          "no AVX-512 kernels here (or switched off): the block op is not used")
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (i, (width, size)) in [(0.25, [32, 16]), (0.5, [40, 24])].enumerated() {
            let spec = tinySpec { $0.backbone = "mobilenetv2"; $0.width = width; $0.inputSize = size }
            let model = try ReidModel(spec: spec, seed: UInt64(i + 1))
            randomizeNorms(model, seed: UInt64(50 + i))
            _ = model.eval()
            let net = try XCTUnwrap(model.backbone as? MobileNetV2)
            for (batch, threads) in [(1, 1), (5, saved)] {
                Parallel.threads = threads
                var h = randomTensor([batch, 3] + size, seed: UInt64(60 + i), requiresGrad: false)
                var blocks = 0, shortcuts = 0, expands = 0
                withNoGrad {
                    for layer in net.features.layers {
                        if let block = layer as? InvertedResidual {
                            let fused = block.fusedEvalForward(h)
                            XCTAssertNotNil(fused, "width \(width) batch \(batch) block \(blocks)")
                            InvertedResidualEval.enabled = false
                            let layered = block(h)
                            InvertedResidualEval.enabled = true
                            XCTAssertEqual(fused?.scalars, layered.scalars, "width \(width) batch \(batch) block \(blocks)")
                            blocks += 1; shortcuts += block.useResidual ? 1 : 0; expands += block.conv.layers.count == 4 ? 1 : 0
                            h = layered
                        } else {
                            h = layer(h)
                        }
                    }
                }
                XCTAssertEqual(blocks, 17)
                XCTAssertTrue(shortcuts > 0 && shortcuts < blocks && expands == blocks - 1)
            }
        }
    }

    func testNotTakenWhenTrainingOrRecording() throws {
        let spec = tinySpec { $0.backbone = "mobilenetv2"; $0.width = 0.25 }
        let model = try ReidModel(spec: spec, seed: 3)
        let block = try XCTUnwrap((model.backbone as? MobileNetV2)?.features.layers[2] as? InvertedResidual)
        let x = randomTensor([2, 8, 16, 8], seed: 4, requiresGrad: false)
        _ = model.train()
        XCTAssertNil(withNoGrad { block.fusedEvalForward(x) })
        _ = model.eval()
        XCTAssertNil(block.fusedEvalForward(randomTensor([2, 8, 16, 8], seed: 4, requiresGrad: true)))
    }
}
