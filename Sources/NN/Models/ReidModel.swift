// ReidModel: backbone + embedding head, built from a ModelSpec. Keys `backbone.*` and `heads.*`
// (FastReID's Baseline). Inputs are normalised images (N, 3, H, W); pixel mean/std normalisation
// belongs to the data pipeline.
import Tensor

/// A model's full output: the head output plus the backbone's stage maps (for distillation).
public struct ReidOutput {
    public var head: HeadOutput
    public var stages: [Tensor]
    /// The stage maps before their final activation, when asked for (Overhaul distillation).
    public var preActivationStages: [Tensor] = []
    public var logits: Tensor? { head.logits }
    public var features: Tensor { head.features }
}

public final class ReidModel: Module, Layer {
    public let spec: ModelSpec
    public let backbone: any Backbone
    public let heads: EmbeddingHead

    /// Builds and initialises the model; all randomness comes from `rng`.
    public init(spec: ModelSpec, rng: inout RandomGenerator) throws {
        try spec.validate()
        self.spec = spec
        let b = try backboneRegistry.lookup(spec.backbone)(spec, &rng)
        backbone = b
        // Only `flatten` needs the final map size; probe it with a tiny eval forward.
        var mapSize = [1, 1]
        if spec.pooling.lowercased() == "flatten" {
            let wasTraining = b.isTraining
            b.eval()
            let y = withNoGrad { b.forward(Tensor.zeros([1, 3] + spec.inputSize)) }
            b.train(wasTraining)
            mapSize = Array(y.shape.suffix(2))
        }
        heads = try EmbeddingHead(spec: spec, channels: b.outChannels, mapSize: mapSize, rng: &rng)
        builtMapSize = mapSize
        super.init()
        register("backbone", b)
        register("heads", heads)
        try validate(inputSize: spec.inputSize, key: "INPUT.SIZE_TRAIN")
    }

    /// The final-map size the head was built for (flatten pooling's feature count depends on it).
    let builtMapSize: [Int]

    /// Throws a config error when images of `size` = [height, width] cannot go through this
    /// model, where the head would otherwise stop the process with a precondition: `identity`
    /// pooling needs a 1×1 final map, `flatten` the map size its layers were built for (the
    /// training size). `key` names the config key that set `size`.
    public func validate(inputSize size: [Int], key: String) throws {
        let pooling = spec.pooling.lowercased()
        guard pooling == "identity" || pooling == "flatten" else { return }
        guard size.count == 2, size.allSatisfy({ $0 > 0 }) else { throw NNError("\(key) must be [height, width] with positive values, got \(size)") }
        let wasTraining = backbone.isTraining
        backbone.eval()
        let out = withNoGrad { backbone.forward(Tensor.zeros([1, 3] + size)) }
        backbone.train(wasTraining)
        guard out.rank == 4 else { return }   // a backbone that already pools
        let map = Array(out.shape.suffix(2))
        if pooling == "identity" && map != [1, 1] {
            throw NNError("MODEL.HEADS.POOL_LAYER identity passes the backbone's output through unpooled, so it needs a 1×1 final map, but \(key) \(size) gives \(map[0])×\(map[1]); use GlobalAvgPool (avg), gem or flatten")
        }
        if pooling == "flatten" && map != builtMapSize {
            throw NNError("MODEL.HEADS.POOL_LAYER flatten keeps every position, so the head is built for the \(builtMapSize[0])×\(builtMapSize[1]) map of INPUT.SIZE_TRAIN \(spec.inputSize), but \(key) \(size) gives \(map[0])×\(map[1]); make SIZE_TEST equal SIZE_TRAIN or use another pooling (avg, gem …)")
        }
    }

    /// Convenience: a model from a spec and a seed.
    public convenience init(spec: ModelSpec, seed: UInt64) throws {
        var rng = RandomGenerator(seed: seed)
        try self.init(spec: spec, rng: &rng)
    }

    /// Full forward. In training pass the labels (margin classifiers need them); with
    /// `preActivation` the output also holds the stage maps before their final activation.
    public func forward(_ x: Tensor, targets: [Int]?, preActivation: Bool = false) -> ReidOutput {
        precondition(x.rank == 4 && x.shape[1] == 3, "ReidModel: input must be (N, 3, H, W) images, got \(x.shape)")
        if preActivation {
            let (stages, pre) = backbone.forwardStagesPreActivation(x)
            return ReidOutput(head: heads.forward(stages.last!, targets: targets), stages: stages, preActivationStages: pre)
        }
        let stages = backbone.forwardStages(x)
        return ReidOutput(head: heads.forward(stages.last!, targets: targets), stages: stages)
    }

    /// The embedding (configured neck feature).
    public func forward(_ x: Tensor) -> Tensor { forward(x, targets: nil).features }

    /// Checks labels against num_classes before training (a user-facing error, not a crash).
    public func validate(targets: [Int]) throws {
        if let bad = targets.first(where: { $0 < 0 || $0 >= spec.numClasses }) {
            throw NNError("label \(bad) is outside 0..<\(spec.numClasses); set MODEL.HEADS.NUM_CLASSES to at least \(targets.max()! + 1)")
        }
    }
}
