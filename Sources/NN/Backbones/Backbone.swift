// Backbones: image (N, 3, H, W) → feature map (N, C, h, w). Each also returns the feature maps of
// its stages (for feature distillation), outermost resolution first; the last stage is the output.
import Tensor

public protocol Backbone: Layer {
    /// Channels of the final feature map.
    var outChannels: Int { get }
    /// Channels of each stage map returned by `forwardStages`.
    var stageChannels: [Int] { get }
    /// Every stage's output; the last one is what `forward` returns.
    func forwardStages(_ x: Tensor) -> [Tensor]
    /// The stage outputs and the same maps before each stage's final activation (the pre-ReLU
    /// features of Overhaul distillation); the two are equal where a stage ends without one.
    func forwardStagesPreActivation(_ x: Tensor) -> (stages: [Tensor], preActivation: [Tensor])
    /// Per stage, the BN whose output (plus a shortcut, in residual blocks) is the stage map before
    /// its final activation: its γ and β describe that map's distribution (Overhaul's margins).
    var stageOutputNorms: [BatchNorm] { get }
}

extension Backbone {
    public func forward(_ x: Tensor) -> Tensor { forwardStages(x).last! }
}

/// The backbone registry: one line per family. Depth, width and variants come from the spec.
public let backboneRegistry = Registry<(ModelSpec, inout RandomGenerator) throws -> any Backbone>(kind: "backbone", [
    ("resnet", { spec, rng in try ResNet(spec: spec, rng: &rng) }),
    ("mobilenetv2", { spec, rng in try MobileNetV2(spec: spec, rng: &rng) }),
])

/// `Int(c · width)` rounded, at least 1.
func scaled(_ c: Int, _ width: Double) -> Int { max(1, Int((Double(c) * width).rounded())) }
