// ResNet-18/34/50/101 trunk (no fc): stem conv1 7×7/2 → bn1 → ReLU → maxpool 3×3/2, then layer1…4.
// Options as in FastReID: width multiplier on every channel count (0.5 gives the 32-64-128-256
// student), `last_stride` 1 (re-id default: doubles the final map) or 2, IBN-a in the blocks of
// layer1–3, SE in every block. The stem's max pool follows `stem_pool`: "torchvision" (3×3/2,
// padding 1, floor mode: 224×224 gives 56×56 and the published MAC counts apply; ours by
// default) or "fastreid" (3×3/2, padding 0, ceil mode, as FastReID's ResNet: 57×57 from 224×224,
// and other values everywhere) — imported FastReID models record "fastreid".
import Tensor

public final class ResNet: Module, Backbone {
    /// Blocks per stage for each supported depth.
    public static let layouts: [Int: (bottleneck: Bool, blocks: [Int])] = [
        18: (false, [2, 2, 2, 2]), 34: (false, [3, 4, 6, 3]),
        50: (true, [3, 4, 6, 3]), 101: (true, [3, 4, 23, 3]),
    ]

    /// The stem's max pool per layout (`ModelSpec.stemPool`).
    public static let stemPools: [String: () -> MaxPool2d] = [
        "torchvision": { MaxPool2d(kernel: 3, stride: 2, padding: 1) },
        "fastreid": { MaxPool2d(kernel: 3, stride: 2, padding: 0, ceilMode: true) },
    ]

    let conv1: Conv2d, bn1: BatchNorm, maxpool: MaxPool2d
    let stages: [Sequential]
    public let outChannels: Int
    public let stageChannels: [Int]

    public init(spec: ModelSpec, rng: inout RandomGenerator) throws {
        guard let layout = ResNet.layouts[spec.depth] else {
            let valid = ResNet.layouts.keys.sorted().map(String.init)
            throw NNError("backbone depth \(spec.depth) is not a ResNet depth" + didYouMean(String(spec.depth), valid)
                          + "; set MODEL.BACKBONE.DEPTH to one of \(valid.joined(separator: ", "))")
        }
        guard spec.width > 0 else { throw NNError("backbone width must be > 0, got \(spec.width)") }
        guard spec.lastStride == 1 || spec.lastStride == 2 else {
            throw NNError("backbone last_stride must be 1 or 2, got \(spec.lastStride)")
        }
        let expansion = layout.bottleneck ? Bottleneck.expansion : BasicBlock.expansion
        var inplanes = scaled(64, spec.width)
        conv1 = Conv2d(3, inplanes, kernel: 7, stride: 2, padding: 3, rng: &rng)
        bn1 = BatchNorm(inplanes)
        guard let pool = ResNet.stemPools[spec.stemPool] else {
            throw NNError("backbone stem_pool '\(spec.stemPool)' is not known" + didYouMean(spec.stemPool, ResNet.stemPools.keys.sorted())
                          + "; set MODEL.BACKBONE.STEM_POOL to torchvision or fastreid")
        }
        maxpool = pool()
        var stages: [Sequential] = [], channels: [Int] = []
        for (i, (base, n)) in zip([64, 128, 256, 512], layout.blocks).enumerated() {
            let planes = scaled(base, spec.width)
            let stride = i == 0 ? 1 : (i == 3 ? spec.lastStride : 2)
            let ibn = spec.ibn && i < 3
            var blocks: [any Layer] = []
            for b in 0..<n {
                let s = b == 0 ? stride : 1
                if layout.bottleneck {
                    blocks.append(Bottleneck(inplanes, planes, stride: s, ibn: ibn, se: spec.se, zeroInit: spec.zeroInitResidual, rng: &rng))
                } else {
                    blocks.append(BasicBlock(inplanes, planes, stride: s, ibn: ibn, se: spec.se, zeroInit: spec.zeroInitResidual, rng: &rng))
                }
                inplanes = planes * expansion
            }
            stages.append(Sequential(blocks))
            channels.append(inplanes)
        }
        self.stages = stages
        stageChannels = channels
        outChannels = inplanes
        super.init()
        register("conv1", conv1); register("bn1", bn1); register("maxpool", maxpool)
        for (i, s) in stages.enumerated() { register("layer\(i + 1)", s) }
    }

    public func forwardStages(_ x: Tensor) -> [Tensor] {
        var h = maxpool(conv1.forward(x, norm: bn1, relu: true))
        var out: [Tensor] = []
        for s in stages { h = s(h); out.append(h) }
        return out
    }

    /// As `forwardStages`, with each stage's last block run unfused to keep its pre-ReLU sum.
    public func forwardStagesPreActivation(_ x: Tensor) -> (stages: [Tensor], preActivation: [Tensor])  {
        var h = maxpool(conv1.forward(x, norm: bn1, relu: true))
        var out: [Tensor] = [], pre: [Tensor] = []
        for s in stages {
            for b in s.layers.dropLast() { h = b.forward(h) }
            let sum = (s.layers.last as! any ResidualBlock).forwardPreActivation(h)
            h = sum.relu()
            pre.append(sum); out.append(h)
        }
        return (out, pre)
    }

    public var stageOutputNorms: [BatchNorm] { stages.map { ($0.layers.last as! any ResidualBlock).outputNorm } }
}
