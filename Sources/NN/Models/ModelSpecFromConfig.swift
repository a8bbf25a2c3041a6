// From the config's FastReID-style names (MODEL.HEADS.POOL_LAYER: GlobalAvgPool, CLS_LAYER:
// CircleSoftmax …) to the model zoo's spec and registry names. Registry names themselves (avg,
// circle …) are accepted too. MODEL.WEIGHTS initialises a built model (`loadInitialWeights`).
import Foundation
import Config

extension ModelSpec {
    static let poolingAliases = ["globalavgpool": "avg", "fastglobalavgpool": "avg", "globalmaxpool": "max",
                                 "adaptiveavgmaxpool": "avgmax", "globalavgmaxpool": "avgmax",
                                 "generalizedmeanpoolingp": "gem", "gempoolp": "gem", "generalizedmeanpooling": "gem_fixed",
                                 "gempool": "gem_fixed", "attentionpool": "attention", "identity": "identity", "flatten": "flatten"]
    static let classifierAliases = ["linear": "linear", "arcsoftmax": "arcface", "cossoftmax": "cosface", "circlesoftmax": "circle"]
    static let backboneAliases = ["build_resnet_backbone": "resnet", "build_mobilenetv2_backbone": "mobilenetv2"]

    /// The model of a config. `numClasses` fills MODEL.HEADS.NUM_CLASSES when that is 0 (from
    /// the data); `inputSize` is the training input [H, W] (INPUT.SIZE_TRAIN, owned by Data).
    public init(config c: ResolvedConfig, numClasses: Int, inputSize: [Int]) throws {
        self.init()
        let name = c[\ModelKeys.backboneName]
        backbone = ModelSpec.backboneAliases[name.lowercased()] ?? name.lowercased()
        if backbone == "resnet" {
            depth = c[\ModelKeys.depth]; ibn = c[\ModelKeys.withIBN]; se = c[\ModelKeys.withSE]
            stemPool = c[\ModelKeys.stemPool]
        }
        width = c[\ModelKeys.width]; lastStride = c[\ModelKeys.lastStride]
        zeroInitResidual = c[\ModelKeys.zeroInitResidual]
        let pool = c[\ModelKeys.poolLayer]
        pooling = ModelSpec.poolingAliases[pool.lowercased()] ?? pool.lowercased()
        embeddingDim = c[\ModelKeys.embeddingDim]; bnneck = c[\ModelKeys.withBNNeck]; neckFeat = c[\ModelKeys.neckFeat]
        let cls = c[\ModelKeys.clsLayer]
        classifier = ModelSpec.classifierAliases[cls.lowercased()] ?? cls.lowercased()
        if classifier != "linear" { scale = c[\ModelKeys.scale]; margin = c[\ModelKeys.margin] }
        let n = c[\ModelKeys.numClasses]
        self.numClasses = n > 0 ? n : numClasses
        self.inputSize = inputSize
        try validate()
    }
}

extension ReidModel {
    /// MODEL.WEIGHTS: copies the parameters and buffers of that checkpoint whose names and shapes
    /// match into this model (FastReID's Checkpointer also loads non-strictly, so a backbone
    /// trained on other identities initialises a new classifier-less match). Returns a one-line
    /// summary for the log, or nil when the key is empty. Throws when the file is unreadable or
    /// shares no parameter with the model.
    public func loadInitialWeights(_ c: ResolvedConfig) throws -> String? {
        let path = c[\ModelKeys.weights]
        guard !path.isEmpty else { return nil }
        let source = try Checkpoint.load(path).stateDict
        let target = stateDict()
        let src = Dictionary(source.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        var loaded = 0, skipped: [String] = []
        for (name, t) in target {
            guard let s = src[name] else { continue }
            if s.shape == t.shape { t.assign(s); loaded += 1 } else { skipped.append("\(name) \(s.shape)→\(t.shape)") }
        }
        guard loaded > 0 else {
            throw CheckpointError(path: path, "MODEL.WEIGHTS shares no parameter name and shape with this model (\(target.count) tensors); is it a checkpoint of this architecture?")
        }
        let missing = target.count - loaded - skipped.count
        var line = "MODEL.WEIGHTS \(path): \(loaded)/\(target.count) tensors loaded"
        if !skipped.isEmpty { line += ", \(skipped.count) skipped for shape (\(skipped.prefix(3).joined(separator: ", "))\(skipped.count > 3 ? ", …" : ""))" }
        if missing > 0 { line += ", \(missing) not in the checkpoint (kept at their initialisation)" }
        return line
    }
}
