// MODEL.WEIGHTS and MODEL.BACKBONE.PRETRAIN_PATH with torchvision-layout ImageNet state dicts
// (random-weight torchvision models saved by Scripts/fastreid_fixtures.py: a narrowed resnet18 as
// .pth, a width-0.1 mobilenet_v2 as .safetensors): the backbone loads completely, the ImageNet
// classifier is ignored, the head stays fresh, and the loaded backbone computes torchvision's own
// pooled features for the same images.
import XCTest
import Foundation
import Tensor
import Config
import NN
import Eval
@testable import Interop

final class InitialWeightsTests: XCTestCase {
    func model(_ overrides: [String]) throws -> (ReidModel, ResolvedConfig) {
        let c = try ConfigSchema(groups: [ModelKeys.self]).load(overrides: overrides)
        return (try ReidModel(spec: ModelSpec(config: c, numClasses: 10, inputSize: [64, 32]), seed: 3), c)
    }

    /// Max |Δ| / max |f| between the model's globally average-pooled backbone output and `features`.
    func pooledFeatureError(_ m: ReidModel, _ features: String) throws -> Float {
        m.eval()
        let flat = try Npy.read(InteropFixtures.path("tv-input-64x32.npy"))
        let x = flat.reshaped([2, 3, 64, 32])
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        for n in 0..<2 { for c in 0..<3 { for i in 0..<(64 * 32) {
            let k = (n * 3 + c) * 64 * 32 + i
            x.pointer[k] = (x.pointer[k] / 255 - mean[c]) / std[c]
        } } }
        let y = withNoGrad { globalAvgPool2d(m.backbone(x)) }
        let expected = try Npy.read(InteropFixtures.path(features))
        XCTAssertEqual(y.shape, expected.shape)
        let d = zip(y.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        return d / (expected.scalars.map(abs).max() ?? 1)
    }

    func testTorchvisionResNetAsPretrainPath() throws {
        // Last stride 2 as ImageNet's ResNet (re-id's stride 1 is the usual choice with these weights, but
        // pools a larger map, so only stride 2 reproduces torchvision's features).
        let (m, c) = try model(["MODEL.BACKBONE.DEPTH", "18", "MODEL.BACKBONE.WIDTH", "0.03125", "MODEL.BACKBONE.LAST_STRIDE", "2",
                                "MODEL.BACKBONE.PRETRAIN_PATH", InteropFixtures.path("tv-resnet18.pth")])
        let headBefore = m.heads.weight.scalars
        let line = try XCTUnwrap(InitialWeights.load(into: m, config: c))
        let backbone = m.stateDict().filter { $0.0.hasPrefix("backbone.") }.count
        XCTAssertTrue(line.contains("(torchvision layout): \(backbone)/\(backbone) backbone tensors loaded"), line)
        XCTAssertTrue(line.contains("head left fresh"), line)
        XCTAssertTrue(line.contains("ImageNet classifier ignored (fc.bias, fc.weight)"), line)
        XCTAssertEqual(m.heads.weight.scalars, headBefore)
        XCTAssertLessThanOrEqual(try pooledFeatureError(m, "tv-resnet18-features.npy"), 1e-4)
    }

    func testTorchvisionMobileNetV2SafetensorsAsWeights() throws {
        let (m, c) = try model(["MODEL.BACKBONE.NAME", "mobilenetv2", "MODEL.BACKBONE.WIDTH", "0.1", "MODEL.BACKBONE.LAST_STRIDE", "2",
                                "MODEL.WEIGHTS", InteropFixtures.path("tv-mobilenetv2.safetensors")])
        let line = try XCTUnwrap(InitialWeights.load(into: m, config: c))
        let backbone = m.stateDict().filter { $0.0.hasPrefix("backbone.") }.count
        XCTAssertTrue(line.contains("(torchvision layout): \(backbone)/\(m.stateDict().count) tensors loaded"), line)
        XCTAssertTrue(line.contains("ImageNet classifier ignored (classifier.1.bias, classifier.1.weight)"), line)
        XCTAssertLessThanOrEqual(try pooledFeatureError(m, "tv-mobilenetv2-features.npy"), 1e-4)
    }

    func testFastReIDCheckpointAsWeightsAndErrors() throws {
        // A FastReID checkpoint initialises backbone and head (16 classes there, 10 here: skipped for shape).
        let (m, c) = try model(["MODEL.BACKBONE.DEPTH", "18", "MODEL.BACKBONE.WIDTH", "0.03125",
                                "MODEL.WEIGHTS", InteropFixtures.path("r18.pth")])
        let line = try XCTUnwrap(InitialWeights.load(into: m, config: c))
        XCTAssertTrue(line.contains("(FastReID layout)"), line)
        XCTAssertTrue(line.contains("1 skipped for shape (heads.weight [16, 16]→[10, 16])"), line)
        // A ResNet file for a MobileNetV2 shares nothing: an error naming the file and key.
        let (mb, cb) = try model(["MODEL.BACKBONE.NAME", "mobilenetv2", "MODEL.BACKBONE.WIDTH", "0.1",
                                  "MODEL.BACKBONE.PRETRAIN_PATH", InteropFixtures.path("tv-resnet18.pth")])
        XCTAssertThrowsError(try InitialWeights.load(into: mb, config: cb)) { e in
            XCTAssertTrue("\(e)".contains("MODEL.BACKBONE.PRETRAIN_PATH shares no parameter"), "\(e)")
            XCTAssertTrue("\(e)".hasPrefix(InteropFixtures.path("tv-resnet18.pth")), "\(e)")
        }
        let small = ["MODEL.BACKBONE.DEPTH", "18", "MODEL.BACKBONE.WIDTH", "0.03125"]
        let (n, cn) = try model(small + ["MODEL.BACKBONE.PRETRAIN_PATH", "/no/such/file.pth"])
        XCTAssertThrowsError(try InitialWeights.load(into: n, config: cn)) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
        let (z, cz) = try model(small)
        XCTAssertNil(try InitialWeights.load(into: z, config: cz))
    }
}
