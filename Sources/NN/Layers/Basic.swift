// Parameter-free layers and containers. They exist as modules (not just functions) so that a
// Sequential keeps PyTorch's child indices: in `fc = Sequential(Linear, ReLU, Linear, Sigmoid)`
// the second Linear is `fc.2`.
import Tensor

public final class ReLU: Module, Layer {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// min(max(x, 0), 6) — MobileNetV2's activation (PyTorch's ReLU6: no gradient at 0 and 6).
public final class ReLU6: Module, Layer {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.relu6() }
}

public final class Sigmoid: Module, Layer {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

public final class Identity: Module, Layer {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x }
}

public final class MaxPool2d: Module, Layer {
    public let kernel: Int, stride: Int, padding: Int
    /// PyTorch's `ceil_mode` (output size rounded up).
    public let ceilMode: Bool
    public init(kernel: Int, stride: Int, padding: Int, ceilMode: Bool = false) {
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.ceilMode = ceilMode
        super.init()
    }
    public func forward(_ x: Tensor) -> Tensor { maxPool2d(x, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode) }
}

/// Layers applied in order; children are keyed "0", "1", ….
public final class Sequential: Module, Layer {
    public private(set) var layers: [any Layer] = []

    public init(_ layers: [any Layer]) {
        super.init()
        for l in layers { append(l) }
    }

    public func append(_ l: any Layer) {
        register(String(layers.count), l)
        layers.append(l)
    }

    /// Runs the layers in order; a BatchNorm directly followed by ReLU or ReLU6 runs as one fused
    /// op (same values and gradients, one pass instead of two: MobileNetV2's conv → BN → ReLU6).
    public func forward(_ x: Tensor) -> Tensor {
        var y = x, i = 0
        while i < layers.count {
            // conv → BN (→ ReLU/ReLU6): the BN and activation inside the conv when nothing is
            // recorded in eval mode (Conv2d.forward(_:norm:)), else one after the other.
            if let conv = layers[i] as? Conv2d, i + 1 < layers.count, let bn = layers[i + 1] as? BatchNorm {
                let act = i + 2 < layers.count ? layers[i + 2] : nil
                if act is ReLU6 { y = conv.forward(y, norm: bn, relu: true, reluMax: 6); i += 3; continue }
                if act is ReLU { y = conv.forward(y, norm: bn, relu: true); i += 3; continue }
                y = conv.forward(y, norm: bn); i += 2; continue
            }
            if let bn = layers[i] as? BatchNorm, i + 1 < layers.count {
                if layers[i + 1] is ReLU6 { y = bn.forwardReLU(y, max: 6); i += 2; continue }
                if layers[i + 1] is ReLU { y = bn.forwardReLU(y); i += 2; continue }
            }
            y = layers[i].forward(y)
            i += 1
        }
        return y
    }
}
