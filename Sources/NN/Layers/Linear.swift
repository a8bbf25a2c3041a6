// Fully connected layer: y = x·Wᵀ + b with PyTorch's (out, in) weight and default uniform init.
import Tensor

public final class Linear: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomGenerator) {
        let w = Parameter(Init.defaultUniform([outFeatures, inFeatures], rng: &rng))
        var b: Parameter? = nil
        if bias {
            let bound = Float(1 / Double(max(inFeatures, 1)).squareRoot())
            b = Parameter(Tensor.uniform([outFeatures], low: -bound, high: bound, rng: &rng))
        }
        weight = w; self.bias = b
        super.init()
        register("weight", w)
        if let b { register("bias", b) }
    }

    public func forward(_ x: Tensor) -> Tensor {
        let y = linear(x, weight: weight, bias: bias)
        MACCounter.record(y.count * weight.shape[1], kind: "linear")
        return y
    }
}
