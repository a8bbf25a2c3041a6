// Weight initialisers (PyTorch/torchvision conventions), all drawing from the one seeded
// `RandomGenerator` passed down from the model builder.
import Foundation
import Tensor

public enum Init {
    /// Kaiming normal, fan-out mode, ReLU gain: N(0, 2 / fan_out) — torchvision's ResNet conv init.
    public static func kaimingNormalFanOut(_ shape: [Int], rng: inout RandomGenerator) -> Tensor {
        let fanOut = shape[0] * shape.dropFirst(2).reduce(1, *)
        return Tensor.randn(shape, std: Float((2.0 / Double(max(fanOut, 1))).squareRoot()), rng: &rng)
    }

    /// PyTorch's default for Linear/Conv weights (kaiming uniform, a = √5): U(±1/√fan_in).
    public static func defaultUniform(_ shape: [Int], rng: inout RandomGenerator) -> Tensor {
        let fanIn = shape.dropFirst().reduce(1, *)
        let b = Float(1 / Double(max(fanIn, 1)).squareRoot())
        return Tensor.uniform(shape, low: -b, high: b, rng: &rng)
    }

    /// N(0, std²) — FastReID's classifier init uses std 0.01.
    public static func normal(_ shape: [Int], std: Float, rng: inout RandomGenerator) -> Tensor {
        Tensor.randn(shape, std: std, rng: &rng)
    }
}
