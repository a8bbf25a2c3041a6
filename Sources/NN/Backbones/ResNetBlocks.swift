// ResNet residual blocks (torchvision/FastReID layout, stride on the 3×3 conv — "ResNet v1.5").
// Keys: conv1, bn1 (an IBN with IN.*/BN.* when IBN-a is on), conv2, bn2, [conv3, bn3], se.fc.*,
// downsample.0 (1×1 conv), downsample.1 (BN). SE rescales the residual branch before the addition.
// `zeroInit` sets γ of the branch's last BN to 0, so the block starts as relu(shortcut).
import Tensor

/// A residual block whose output is relu(branch + shortcut).
protocol ResidualBlock: Layer {
    /// branch + shortcut, before the ReLU (Overhaul's pre-ReLU feature).
    func forwardPreActivation(_ x: Tensor) -> Tensor
    /// The branch's last BN.
    var outputNorm: BatchNorm { get }
}

/// Two 3×3 convs (ResNet-18/34); expansion 1.
public final class BasicBlock: Module, Layer, ResidualBlock {
    static let expansion = 1
    let conv1: Conv2d, bn1: any Layer, conv2: Conv2d, bn2: BatchNorm
    let se: SqueezeExcitation?
    let downsample: Sequential?

    init(_ inplanes: Int, _ planes: Int, stride: Int, ibn: Bool, se useSE: Bool, zeroInit: Bool = false,
         rng: inout RandomGenerator) {
        conv1 = Conv2d(inplanes, planes, kernel: 3, stride: stride, padding: 1, rng: &rng)
        bn1 = ibn ? IBN(planes) : BatchNorm(planes)
        conv2 = Conv2d(planes, planes, kernel: 3, padding: 1, rng: &rng)
        bn2 = BatchNorm(planes)
        if zeroInit { bn2.zeroScale() }
        se = useSE ? SqueezeExcitation(planes, rng: &rng) : nil
        downsample = (stride != 1 || inplanes != planes)
            ? Sequential([Conv2d(inplanes, planes, kernel: 1, stride: stride, rng: &rng), BatchNorm(planes)]) : nil
        super.init()
        register("conv1", conv1); register("bn1", bn1); register("conv2", conv2); register("bn2", bn2)
        if let se { register("se", se) }
        if let downsample { register("downsample", downsample) }
    }

    public func forward(_ x: Tensor) -> Tensor { Tensor.addReLU(branch(x), downsample?(x) ?? x) }
    func forwardPreActivation(_ x: Tensor) -> Tensor { branch(x) + (downsample?(x) ?? x) }
    var outputNorm: BatchNorm { bn2 }

    func branch(_ x: Tensor) -> Tensor {
        var out = conv1.forward(x, norm: bn1, relu: true)
        out = conv2.forward(out, norm: bn2)
        if let se { out = se(out) }
        return out
    }
}

/// 1×1 reduce, 3×3, 1×1 expand (ResNet-50/101); expansion 4.
public final class Bottleneck: Module, Layer, ResidualBlock {
    static let expansion = 4
    let conv1: Conv2d, bn1: any Layer, conv2: Conv2d, bn2: BatchNorm, conv3: Conv2d, bn3: BatchNorm
    let se: SqueezeExcitation?
    let downsample: Sequential?

    init(_ inplanes: Int, _ planes: Int, stride: Int, ibn: Bool, se useSE: Bool, zeroInit: Bool = false,
         rng: inout RandomGenerator) {
        let outC = planes * Bottleneck.expansion
        conv1 = Conv2d(inplanes, planes, kernel: 1, rng: &rng)
        bn1 = ibn ? IBN(planes) : BatchNorm(planes)
        conv2 = Conv2d(planes, planes, kernel: 3, stride: stride, padding: 1, rng: &rng)
        bn2 = BatchNorm(planes)
        conv3 = Conv2d(planes, outC, kernel: 1, rng: &rng)
        bn3 = BatchNorm(outC)
        if zeroInit { bn3.zeroScale() }
        se = useSE ? SqueezeExcitation(outC, rng: &rng) : nil
        downsample = (stride != 1 || inplanes != outC)
            ? Sequential([Conv2d(inplanes, outC, kernel: 1, stride: stride, rng: &rng), BatchNorm(outC)]) : nil
        super.init()
        register("conv1", conv1); register("bn1", bn1); register("conv2", conv2); register("bn2", bn2)
        register("conv3", conv3); register("bn3", bn3)
        if let se { register("se", se) }
        if let downsample { register("downsample", downsample) }
    }

    public func forward(_ x: Tensor) -> Tensor { Tensor.addReLU(branch(x), downsample?(x) ?? x) }
    func forwardPreActivation(_ x: Tensor) -> Tensor { branch(x) + (downsample?(x) ?? x) }
    var outputNorm: BatchNorm { bn3 }

    func branch(_ x: Tensor) -> Tensor {
        var out = conv1.forward(x, norm: bn1, relu: true)
        out = conv2.forward(out, norm: bn2, relu: true)
        out = conv3.forward(out, norm: bn3)
        if let se { out = se(out) }
        return out
    }
}
