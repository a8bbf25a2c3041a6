// Conv2d layer: PyTorch weight layout (Cout, Cin/groups, kH, kW), optional bias, kaiming-normal
// fan-out init (torchvision ResNet). Reports its MACs to a running MACCounter.
import Tensor

public final class Conv2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let options: Conv2dOptions
    public let inChannels: Int, outChannels: Int, kernel: Int

    public init(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
                bias: Bool = false, rng: inout RandomGenerator) {
        precondition(cin % groups == 0 && cout % groups == 0, "Conv2d: groups \(groups) must divide \(cin) and \(cout)")
        inChannels = cin; outChannels = cout; self.kernel = kernel
        options = Conv2dOptions(stride: stride, padding: padding, groups: groups)
        let w = Parameter(Init.kaimingNormalFanOut([cout, cin / groups, kernel, kernel], rng: &rng))
        let b = bias ? Parameter(Tensor.zeros([cout])) : nil
        weight = w; self.bias = b
        super.init()
        register("weight", w)
        if let b { register("bias", b) }
    }

    public func forward(_ x: Tensor) -> Tensor {
        let y = conv2d(x, weight: weight, bias: bias, options: options)
        let kind = options.groups > 1 && options.groups == inChannels ? "conv dw" : (kernel == 1 ? "conv 1×1" : "conv \(kernel)×\(kernel)")
        MACCounter.record(y.count * (inChannels / options.groups) * kernel * kernel, kind: kind)
        MACCounter.noteCall(self, kind: kind, input: x)
        return y
    }
}
