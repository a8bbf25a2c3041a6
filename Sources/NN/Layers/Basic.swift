// Parameter-free layers and containers. They exist as modules (not just functions) so that a
// Sequential keeps PyTorch's child indices: in `fc = Sequential(Linear, ReLU, Linear, Sigmoid)`
// the second Linear is `fc.2`.
import Tensor

public final class ReLU: Module, Layer {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// min(max(x, 0), 6) — MobileNetV2's activation.
public final class ReLU6: Module, Layer {
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.clamp(min: 0, max: 6) }
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
    public init(kernel: Int, stride: Int, padding: Int) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
        super.init()
    }
    public func forward(_ x: Tensor) -> Tensor { maxPool2d(x, kernel: kernel, stride: stride, padding: padding) }
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

    public func forward(_ x: Tensor) -> Tensor { layers.reduce(x) { $1.forward($0) } }
}
