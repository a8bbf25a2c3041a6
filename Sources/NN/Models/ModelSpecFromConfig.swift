// From the config's FastReID-style names (MODEL.HEADS.POOL_LAYER: GlobalAvgPool, CLS_LAYER:
// CircleSoftmax …) to the model zoo's spec and registry names. Registry names themselves (avg,
// circle …) are accepted too. MODEL.WEIGHTS and MODEL.BACKBONE.PRETRAIN_PATH initialise a built
// model in Interop (InitialWeights.swift), which reads PyTorch checkpoints.
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
