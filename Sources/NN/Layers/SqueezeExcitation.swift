// Squeeze-and-excitation (Hu et al. 2018), FastReID's `SELayer`: global average pool, then
// fc = Sequential(Linear(C, C/r, no bias), ReLU, Linear(C/r, C, no bias), Sigmoid), and the
// input is rescaled per channel. Keys `fc.0.weight`, `fc.2.weight`.
import Tensor

public final class SqueezeExcitation: Module, Layer {
    public let fc: Sequential

    public init(_ channels: Int, reduction: Int = 16, rng: inout RandomGenerator) {
        let hidden = max(1, channels / reduction)
        fc = Sequential([Linear(channels, hidden, bias: false, rng: &rng), ReLU(),
                         Linear(hidden, channels, bias: false, rng: &rng), Sigmoid()])
        super.init()
        register("fc", fc)
    }

    public func forward(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let w = fc(globalAvgPool2d(x)).reshaped([n, c, 1, 1])
        return x * w
    }
}
