// MobileNetV2 (Sandler et al. 2018), torchvision layout and keys: features.0 = 3×3/2 conv-BN-ReLU6,
// features.1…17 = inverted residuals (1×1 expand → 3×3 depthwise → 1×1 linear projection, residual
// when stride 1 and channels match), features.18 = 1×1 conv-BN-ReLU6 to 1280. Channel counts are
// multiplied by `width` and rounded to multiples of 8; the last conv stays 1280 for width ≤ 1.
// `last_stride` applies to the stride-2 stage of 160 channels (1 keeps a 2× larger final map).
// Stage maps (for distillation) are taken at output strides 4, 8, 16 and the end.
import Tensor

/// Conv → BN (→ ReLU6), as torchvision's `Conv2dNormActivation`: keys `0` conv, `1` BN.
func convBN(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, groups: Int = 1, relu6: Bool = true,
            rng: inout RandomGenerator) -> Sequential {
    var layers: [any Layer] = [Conv2d(cin, cout, kernel: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, rng: &rng),
                               BatchNorm(cout)]
    if relu6 { layers.append(ReLU6()) }
    return Sequential(layers)
}

public final class InvertedResidual: Module, Layer {
    let conv: Sequential
    let useResidual: Bool

    /// `zeroInit`: γ of the projection BN starts at 0 in blocks with a shortcut (identity at init).
    init(_ cin: Int, _ cout: Int, stride: Int, expand: Int, zeroInit: Bool = false, rng: inout RandomGenerator) {
        let hidden = cin * expand
        var layers: [any Layer] = []
        if expand != 1 { layers.append(convBN(cin, hidden, kernel: 1, rng: &rng)) }
        layers.append(convBN(hidden, hidden, kernel: 3, stride: stride, groups: hidden, rng: &rng))
        layers.append(Conv2d(hidden, cout, kernel: 1, rng: &rng))
        let project = BatchNorm(cout)
        layers.append(project)
        conv = Sequential(layers)
        useResidual = stride == 1 && cin == cout
        if zeroInit && useResidual { project.zeroScale() }
        super.init()
        register("conv", conv)
    }

    public func forward(_ x: Tensor) -> Tensor {
        if let y = fusedEvalForward(x) { return y }
        return useResidual ? x + conv(x) : conv(x)
    }

    /// The whole block image by image (invertedResidualEval: same bits) in a forward that records
    /// nothing with every BatchNorm in eval mode; nil otherwise (or when its kernels cannot take it).
    func fusedEvalForward(_ x: Tensor) -> Tensor? {
        guard ConvEpilogue.fusing, conv.layers.count == 3 || conv.layers.count == 4 else { return nil }
        func fused(_ c: Conv2d, _ bn: BatchNorm, relu6: Bool) -> FusedConv? {
            guard c.bias == nil, !bn.isTraining else { return nil }
            return FusedConv(weight: c.weight, options: c.options,
                             epilogue: ConvEpilogue(runningMean: bn.runningMean, runningVar: bn.runningVar, weight: bn.weight,
                                                    bias: bn.bias, eps: bn.eps, relu: relu6, reluMax: relu6 ? 6 : .infinity))
        }
        func convBN(_ l: any Layer) -> FusedConv? {
            guard let s = l as? Sequential, s.layers.count == 3, let c = s.layers[0] as? Conv2d, let bn = s.layers[1] as? BatchNorm,
                  s.layers[2] is ReLU6 else { return nil }
            return fused(c, bn, relu6: true)
        }
        let hasExpand = conv.layers.count == 4
        let expand = hasExpand ? convBN(conv.layers[0]) : nil
        guard !hasExpand || expand != nil, let dw = convBN(conv.layers[hasExpand ? 1 : 0]),
              let pc = conv.layers[conv.layers.count - 2] as? Conv2d, let pbn = conv.layers.last as? BatchNorm,
              let project = fused(pc, pbn, relu6: false) else { return nil }
        var inputs: [Tensor] = [x]
        for l in conv.layers {
            for m in (l as? Sequential)?.layers ?? [l] {
                if let c = m as? Conv2d { inputs.append(c.weight) }
                if let bn = m as? BatchNorm { inputs.append(bn.weight); inputs.append(bn.bias) }
            }
        }
        if Tensor.wouldRecord(inputs) { return nil }
        return invertedResidualEval(x, expand: expand, depthwise: dw, project: project, shortcut: useResidual)
    }
}

public final class MobileNetV2: Module, Backbone {
    /// (expansion t, channels c, repeats n, first stride s) per stage.
    static let settings: [(Int, Int, Int, Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    let features: Sequential
    /// Indices into `features` after which a stage map is taken.
    let stageEnds: [Int]
    public let outChannels: Int
    public let stageChannels: [Int]

    /// torchvision's `_make_divisible`: nearest multiple of 8, never below 90 % of v.
    static func divisible(_ v: Double, _ d: Int = 8) -> Int {
        var n = max(d, Int(v + Double(d) / 2) / d * d)
        if Double(n) < 0.9 * v { n += d }
        return n
    }

    public init(spec: ModelSpec, rng: inout RandomGenerator) throws {
        guard spec.width > 0 else { throw NNError("backbone width must be > 0, got \(spec.width)") }
        guard spec.lastStride == 1 || spec.lastStride == 2 else {
            throw NNError("backbone last_stride must be 1 or 2, got \(spec.lastStride)")
        }
        var cin = MobileNetV2.divisible(32 * spec.width)
        let last = MobileNetV2.divisible(1280 * max(1, spec.width))
        var layers: [any Layer] = [convBN(3, cin, kernel: 3, stride: 2, rng: &rng)]
        var ends: [Int] = [], channels: [Int] = []
        for (t, c, n, s) in MobileNetV2.settings {
            let cout = MobileNetV2.divisible(Double(c) * spec.width)
            let stride = c == 160 ? spec.lastStride : s
            for i in 0..<n {
                layers.append(InvertedResidual(cin, cout, stride: i == 0 ? stride : 1, expand: t,
                                               zeroInit: spec.zeroInitResidual, rng: &rng))
                cin = cout
            }
            if c == 24 || c == 32 || c == 96 { ends.append(layers.count - 1); channels.append(cout) }
        }
        layers.append(convBN(cin, last, kernel: 1, rng: &rng))
        ends.append(layers.count - 1); channels.append(last)
        features = Sequential(layers)
        stageEnds = ends
        stageChannels = channels
        outChannels = last
        super.init()
        register("features", features)
    }

    public func forwardStages(_ x: Tensor) -> [Tensor] {
        var h = x
        var out: [Tensor] = []
        for (i, l) in features.layers.enumerated() {
            h = l(h)
            if stageEnds.contains(i) { out.append(h) }
        }
        return out
    }

    /// The first stages end in a linear projection (no activation): their maps are already
    /// pre-activation. The last ends in conv → BN → ReLU6: its BN output is kept.
    public func forwardStagesPreActivation(_ x: Tensor) -> (stages: [Tensor], preActivation: [Tensor]) {
        var h = x
        var out: [Tensor] = [], pre: [Tensor] = []
        let lastIndex = features.layers.count - 1
        for (i, l) in features.layers.enumerated() {
            if i == lastIndex, let head = l as? Sequential, head.layers.count == 3 {
                let bnOut = head.layers[1].forward(head.layers[0].forward(h))
                h = head.layers[2].forward(bnOut)
                pre.append(bnOut); out.append(h)
                continue
            }
            h = l(h)
            if stageEnds.contains(i) { out.append(h); pre.append(h) }
        }
        return (out, pre)
    }

    public var stageOutputNorms: [BatchNorm] {
        stageEnds.compactMap { i in
            let l = features.layers[i]
            if let block = l as? InvertedResidual { return block.conv.layers.last as? BatchNorm }
            return (l as? Sequential)?.layers[1] as? BatchNorm
        }
    }
}
