// Lowers a ReidModel in eval mode to an ONNX graph: input `images` float32 [N, 3, H, W] (N is the
// dim_param "N"), output `embedding` [N, D] = what `model(images)` returns in eval mode (the
// head's configured neck feature). Every BatchNorm that follows a conv is folded into it
// (NN's BatchNormFolding); under IBN only the BN half of the channels is folded and the
// instance-norm half stays an InstanceNormalization. Layers are recognised by their module
// type and walked in the same order as their Swift `forward`; a module without a lowering is
// an error naming its key and type, never a silently wrong graph.
import Tensor
import NN

public enum ONNXExport {
    /// The graph of `model` for `inputSize` = [H, W] images. The model's weights are read, not changed.
    public static func lower(_ model: ReidModel, inputSize: [Int], docString: String = "",
                             metadata: [(String, String)] = []) throws -> ONNXModel {
        guard inputSize.count == 2, inputSize.allSatisfy({ $0 > 0 }) else {
            throw ExportError("ONNX export: input size must be [H, W] with positive values, got \(inputSize)")
        }
        var l = Lowering(builder: ONNXGraphBuilder(name: "reidkd_\(model.spec.backbone)"))
        let images = l.builder.fresh("images")
        var x = try l.backbone(model.backbone, path: "backbone", images)
        x = try l.head(model.heads, path: "heads", x, backboneOutput: try backboneOutputShape(model, inputSize))
        // The last node writes "embedding" itself (no trailing Identity: the file users deploy has
        // no redundant node); an Identity only when the value is not a node's output.
        if let last = l.builder.graph.nodes.lastIndex(where: { $0.outputs.contains(x) }),
           !l.builder.graph.nodes.contains(where: { $0.inputs.contains(x) }) {
            l.builder.graph.nodes[last].outputs = l.builder.graph.nodes[last].outputs.map { $0 == x ? "embedding" : $0 }
        } else {
            l.builder.graph.nodes.append(ONNXNode(op: "Identity", inputs: [x], outputs: ["embedding"], name: "node:embedding"))
        }
        let dim = model.heads.neckAfter ? model.heads.embeddingDim : model.heads.inFeatures
        l.builder.graph.inputs = [ONNXValueInfo(name: images, dims: [.param("N"), .value(3), .value(inputSize[0]), .value(inputSize[1])])]
        l.builder.graph.outputs = [ONNXValueInfo(name: "embedding", dims: [.param("N"), .value(dim)])]
        return ONNXModel(graph: l.builder.graph, producerVersion: ReidKDInfo.version, docString: docString, metadata: metadata)
    }

    /// (C, h, w) of the backbone's output for one image (runs the backbone once on zeros).
    static func backboneOutputShape(_ model: ReidModel, _ inputSize: [Int]) throws -> [Int] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let y = withNoGrad { model.backbone(Tensor.zeros([1, 3] + inputSize)) }
        return Array(y.shape.dropFirst())
    }
}

/// The walk over the module tree; each method returns the name of the value it produced.
struct Lowering {
    var builder: ONNXGraphBuilder

    static let supported = "ResNet (BasicBlock, Bottleneck, IBN, SE), MobileNetV2 (InvertedResidual), Conv2d, BatchNorm, ReLU, ReLU6, Sigmoid, Identity, MaxPool2d, Sequential; poolings avg, max, avgmax, gem, gem_fixed, attention, identity, flatten"

    func unsupported(_ m: Module, _ path: String) -> ExportError {
        ExportError("ONNX export: module '\(path)' of type \(type(of: m)) has no ONNX lowering (supported: \(Lowering.supported)); export the safetensors only, or add a lowering in Sources/Export")
    }

    /// Children by name (a module's registered sub-modules).
    func child(_ m: Module, _ name: String) -> Module? { m.children.first { $0.0 == name }?.1 }

    func require<T: Module>(_ m: Module, _ name: String, _ path: String, as: T.Type) throws -> T {
        guard let c = child(m, name) as? T else {
            throw ExportError("ONNX export: '\(path).\(name)' is missing or not a \(T.self) (found \(child(m, name).map { "\(type(of: $0))" } ?? "nothing")); the model layout is not the one the exporter knows")
        }
        return c
    }

    // MARK: Layers

    mutating func conv(_ weight: Tensor, _ bias: Tensor?, _ o: Conv2dOptions, path: String, _ x: String) -> String {
        var inputs = [x, builder.constant("\(path).weight", weight)]
        if let bias { inputs.append(builder.constant("\(path).bias", bias)) }
        let k = Array(weight.shape.suffix(2))
        return builder.node("Conv", inputs, path: path, [
            .ints("kernel_shape", k), .ints("strides", [o.stride.0, o.stride.1]),
            .ints("pads", [o.padding.0, o.padding.1, o.padding.0, o.padding.1]),
            .ints("dilations", [o.dilation.0, o.dilation.1]), .int("group", o.groups),
        ])
    }

    /// A conv followed by its normalisation (BatchNorm, IBN or none), BN folded into the conv.
    mutating func convNorm(_ c: Conv2d, _ norm: Module?, path: String, normPath: String, _ x: String) throws -> String {
        switch norm {
        case nil:
            return conv(c.weight, c.bias, c.options, path: path, x)
        case let bn as BatchNorm:
            let (w, b) = BatchNormFolding.fold(c, bn)
            return conv(w, b, c.options, path: path, x)
        case let ibn as IBN:
            // Fold the BN into output channels half..<C only; IN channels keep scale 1, shift 0.
            let a = BatchNormFolding.affine(ibn.batch)
            let id = ChannelAffine.identity(ibn.half)
            let (w, b) = BatchNormFolding.fold(weight: c.weight, bias: c.bias,
                                               affine: ChannelAffine(scale: id.scale + a.scale, shift: id.shift + a.shift))
            let y = conv(w, b, c.options, path: path, x)
            let sizes = builder.int64s("\(normPath).split", [ibn.half, c.outChannels - ibn.half])
            let parts = builder.nodes("Split", [y, sizes], outputs: 2, path: normPath, [.int("axis", 1)])
            let inorm = builder.node("InstanceNormalization", [parts[0], builder.constant("\(normPath).IN.weight", ibn.instance.weight),
                                                               builder.constant("\(normPath).IN.bias", ibn.instance.bias)],
                                     path: "\(normPath).IN", [.float("epsilon", 1e-5)])
            return builder.node("Concat", [inorm, parts[1]], path: normPath, [.int("axis", 1)])
        case let other?:
            throw unsupported(other, normPath)
        }
    }

    /// A BatchNorm on its own: y = x·scale + shift, broadcast over (N, C[, H, W]).
    mutating func affine(_ bn: BatchNorm, rank: Int, path: String, _ x: String) -> String {
        let a = BatchNormFolding.affine(bn)
        let dims = rank == 4 ? [1, a.channels, 1, 1] : [a.channels]
        let m = builder.node("Mul", [x, builder.constant("\(path).scale", dims: dims, a.scale)], path: path)
        return builder.node("Add", [m, builder.constant("\(path).shift", dims: dims, a.shift)], path: path)
    }

    mutating func clip(_ x: String, min lo: Float, max hi: Float?, path: String) -> String {
        var inputs = [x, builder.constant("\(path).min", dims: [], [lo])]
        if let hi { inputs.append(builder.constant("\(path).max", dims: [], [hi])) }
        return builder.node("Clip", inputs, path: path)
    }

    /// Any supported layer of a 4-D feature map.
    mutating func layer(_ m: Module, path: String, _ x: String) throws -> String {
        switch m {
        case let s as Sequential: return try sequential(s, path: path, x)
        case let c as Conv2d: return conv(c.weight, c.bias, c.options, path: path, x)
        case let bn as BatchNorm: return affine(bn, rank: 4, path: path, x)
        case is ReLU: return builder.node("Relu", [x], path: path)
        case is ReLU6: return clip(x, min: 0, max: 6, path: path)
        case is Sigmoid: return builder.node("Sigmoid", [x], path: path)
        case is Identity: return x
        case let p as MaxPool2d:
            return builder.node("MaxPool", [x], path: path, [
                .ints("kernel_shape", [p.kernel, p.kernel]), .ints("strides", [p.stride, p.stride]),
                .ints("pads", [p.padding, p.padding, p.padding, p.padding]), .int("ceil_mode", p.ceilMode ? 1 : 0),
            ])
        case let b as BasicBlock: return try basicBlock(b, path: path, x)
        case let b as Bottleneck: return try bottleneck(b, path: path, x)
        case let r as InvertedResidual: return try invertedResidual(r, path: path, x)
        case let se as SqueezeExcitation: return try squeezeExcitation(se, path: path, x)
        default: throw unsupported(m, path)
        }
    }

    /// Children in order; a Conv2d directly followed by a BatchNorm or IBN is lowered as one folded conv.
    mutating func sequential(_ s: Sequential, path: String, _ x: String) throws -> String {
        var h = x
        let kids = s.children
        var i = 0
        while i < kids.count {
            let (name, m) = kids[i]
            if let c = m as? Conv2d, i + 1 < kids.count, kids[i + 1].1 is BatchNorm || kids[i + 1].1 is IBN {
                h = try convNorm(c, kids[i + 1].1, path: "\(path).\(name)", normPath: "\(path).\(kids[i + 1].0)", h)
                i += 2
            } else {
                h = try layer(m, path: "\(path).\(name)", h)
                i += 1
            }
        }
        return h
    }
}
