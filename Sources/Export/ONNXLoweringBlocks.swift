// Lowerings of the backbones and their blocks, in the order of each Swift `forward`
// (Sources/NN/Backbones). Sub-modules are found by their registered keys, so the ONNX node
// names match the safetensors keys.
import Tensor
import NN

extension Lowering {
    mutating func backbone(_ b: any Backbone, path: String, _ x: String) throws -> String {
        switch b {
        case let r as ResNet:
            // conv1 → bn1 → ReLU → maxpool → layer1…4
            var h = try convNorm(try require(r, "conv1", path, as: Conv2d.self), try require(r, "bn1", path, as: BatchNorm.self),
                                 path: "\(path).conv1", normPath: "\(path).bn1", x)
            h = builder.node("Relu", [h], path: "\(path).relu")
            h = try layer(try require(r, "maxpool", path, as: MaxPool2d.self), path: "\(path).maxpool", h)
            for i in 1...4 { h = try layer(try require(r, "layer\(i)", path, as: Sequential.self), path: "\(path).layer\(i)", h) }
            return h
        case let m as MobileNetV2:
            return try layer(try require(m, "features", path, as: Sequential.self), path: "\(path).features", x)
        default:
            throw unsupported(b, path)
        }
    }

    /// relu(bn1(conv1 x)) → bn2(conv2) → [se] → + downsample(x) or x → relu.
    mutating func basicBlock(_ b: BasicBlock, path: String, _ x: String) throws -> String {
        var h = try convNorm(try require(b, "conv1", path, as: Conv2d.self), child(b, "bn1"), path: "\(path).conv1", normPath: "\(path).bn1", x)
        h = builder.node("Relu", [h], path: "\(path).relu1")
        h = try convNorm(try require(b, "conv2", path, as: Conv2d.self), child(b, "bn2"), path: "\(path).conv2", normPath: "\(path).bn2", h)
        return try residualTail(b, path: path, h, x)
    }

    /// relu(bn1(conv1 x)) → relu(bn2(conv2)) → bn3(conv3) → [se] → + shortcut → relu.
    mutating func bottleneck(_ b: Bottleneck, path: String, _ x: String) throws -> String {
        var h = try convNorm(try require(b, "conv1", path, as: Conv2d.self), child(b, "bn1"), path: "\(path).conv1", normPath: "\(path).bn1", x)
        h = builder.node("Relu", [h], path: "\(path).relu1")
        h = try convNorm(try require(b, "conv2", path, as: Conv2d.self), child(b, "bn2"), path: "\(path).conv2", normPath: "\(path).bn2", h)
        h = builder.node("Relu", [h], path: "\(path).relu2")
        h = try convNorm(try require(b, "conv3", path, as: Conv2d.self), child(b, "bn3"), path: "\(path).conv3", normPath: "\(path).bn3", h)
        return try residualTail(b, path: path, h, x)
    }

    /// The shared end of both ResNet blocks: optional SE, shortcut addition, ReLU.
    mutating func residualTail(_ b: Module, path: String, _ h: String, _ x: String) throws -> String {
        var out = h
        if let se = child(b, "se") { out = try layer(se, path: "\(path).se", out) }
        let shortcut = try child(b, "downsample").map { try layer($0, path: "\(path).downsample", x) } ?? x
        out = builder.node("Add", [out, shortcut], path: path)
        return builder.node("Relu", [out], path: "\(path).relu")
    }

    /// x · sigmoid(fc(GAP(x))): the two bias-free Linear layers become 1×1 convs on the pooled
    /// (N, C, 1, 1) map, so no reshape is needed before the broadcasting Mul.
    mutating func squeezeExcitation(_ se: SqueezeExcitation, path: String, _ x: String) throws -> String {
        var h = builder.node("GlobalAveragePool", [x], path: "\(path).pool")
        for (name, m) in se.fc.children {
            let p = "\(path).fc.\(name)"
            switch m {
            case let fc as Linear:
                let w = fc.weight.reshaped([fc.weight.shape[0], fc.weight.shape[1], 1, 1])
                h = conv(w, fc.bias, Conv2dOptions(), path: p, h)
            default:
                h = try layer(m, path: p, h)
            }
        }
        return builder.node("Mul", [x, h], path: path)
    }

    /// conv(x), plus x when the block keeps resolution and channels (stride 1, C_in = C_out).
    mutating func invertedResidual(_ r: InvertedResidual, path: String, _ x: String) throws -> String {
        let body = try require(r, "conv", path, as: Sequential.self)
        let convs = body.namedModules().compactMap { $0.1 as? Conv2d }
        guard let first = convs.first, let last = convs.last else { throw unsupported(r, path) }
        let residual = convs.allSatisfy { $0.options.stride == (1, 1) } && first.inChannels == last.outChannels
        let h = try sequential(body, path: "\(path).conv", x)
        return residual ? builder.node("Add", [x, h], path: path) : h
    }
}
