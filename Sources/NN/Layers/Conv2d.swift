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

    var kind: String { options.groups > 1 && options.groups == inChannels ? "conv dw" : (kernel == 1 ? "conv 1×1" : "conv \(kernel)×\(kernel)") }

    public func forward(_ x: Tensor) -> Tensor {
        let y = conv2d(x, weight: weight, bias: bias, options: options)
        MACCounter.record(y.count * (inChannels / options.groups) * kernel * kernel, kind: kind)
        MACCounter.noteCall(self, kind: kind, input: x)
        return y
    }

    /// norm(conv(x)), then ReLU (capped at `reluMax`) when `relu`. In a forward that records
    /// nothing with `norm` an eval-mode BatchNorm, the BN and ReLU run inside the conv on each
    /// chunk of its output (ConvEpilogue: same bits, one pass over the activations fewer);
    /// otherwise the layers run one after the other.
    public func forward(_ x: Tensor, norm: any Layer, relu: Bool = false, reluMax: Float = .infinity) -> Tensor {
        precondition(!reluMax.isFinite || reluMax == 6, "Conv2d.forward(_:norm:): reluMax is ∞ (ReLU) or 6 (ReLU6)")
        guard let bn = norm as? BatchNorm else {
            let y = norm.forward(forward(x))
            return relu ? (reluMax.isFinite ? y.relu6() : y.relu()) : y
        }
        var inputs = [x, weight, bn.weight, bn.bias]
        if let b = bias { inputs.append(b) }
        guard !bn.isTraining && !Tensor.wouldRecord(inputs) && ConvEpilogue.fusing else {
            return relu ? bn.forwardReLU(forward(x), max: reluMax) : bn(forward(x))
        }
        let e = ConvEpilogue(runningMean: bn.runningMean, runningVar: bn.runningVar, weight: bn.weight, bias: bn.bias,
                             eps: bn.eps, relu: relu, reluMax: reluMax)
        let y = conv2d(x, weight: weight, bias: bias, options: options, epilogue: e)
        MACCounter.record(y.count * (inChannels / options.groups) * kernel * kernel, kind: kind)
        MACCounter.noteCall(self, kind: kind, input: x)
        MACCounter.noteCall(bn, kind: "batchnorm", input: y)
        return y
    }
}
