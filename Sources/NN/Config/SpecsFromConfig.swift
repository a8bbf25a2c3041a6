// From the config's FastReID-style names (MODEL.HEADS.POOL_LAYER: GlobalAvgPool, CLS_LAYER:
// CircleSoftmax, LOSSES.NAME: TripletLoss …) to the model zoo's specs and registry names.
// Registry names themselves (avg, circle, triplet …) are accepted too.
import Foundation

extension ModelSpec {
    static let poolingAliases = ["globalavgpool": "avg", "fastglobalavgpool": "avg", "globalmaxpool": "max",
                                 "adaptiveavgmaxpool": "avgmax", "globalavgmaxpool": "avgmax",
                                 "generalizedmeanpoolingp": "gem", "gempoolp": "gem", "generalizedmeanpooling": "gem_fixed",
                                 "gempool": "gem_fixed", "attentionpool": "attention", "identity": "identity", "flatten": "flatten"]
    static let classifierAliases = ["linear": "linear", "arcsoftmax": "arcface", "cossoftmax": "cosface", "circlesoftmax": "circle"]
    static let backboneAliases = ["build_resnet_backbone": "resnet", "build_mobilenetv2_backbone": "mobilenetv2"]

    /// The model of a config; `numClasses` fills MODEL.HEADS.NUM_CLASSES when that is 0 (from the data).
    public init(config c: ReidConfig, numClasses: Int) throws {
        self.init()
        let b = c.model.backbone, h = c.model.heads
        backbone = ModelSpec.backboneAliases[b.name.lowercased()] ?? b.name.lowercased()
        depth = b.depth; width = b.width; lastStride = b.lastStride; ibn = b.withIBN; se = b.withSE
        zeroInitResidual = b.zeroInitResidual
        pooling = ModelSpec.poolingAliases[h.poolLayer.lowercased()] ?? h.poolLayer.lowercased()
        embeddingDim = h.embeddingDim; bnneck = h.withBNNeck; neckFeat = h.neckFeat
        classifier = ModelSpec.classifierAliases[h.clsLayer.lowercased()] ?? h.clsLayer.lowercased()
        scale = h.scale; margin = h.margin
        self.numClasses = h.numClasses > 0 ? h.numClasses : numClasses
        inputSize = c.input.sizeTrain
        try validate()
    }
}

extension LossSpec {
    static let aliases = ["crossentropyloss": "ce", "tripletloss": "triplet", "circleloss": "circle"]

    public init(config c: ReidConfig) throws {
        self.init()
        let l = c.model.losses
        names = l.names.map { LossSpec.aliases[$0.lowercased()] ?? $0.lowercased() }
        ceEpsilon = l.ceEpsilon; ceWeight = l.ceScale
        tripletMargin = l.triMargin; tripletNormFeat = l.triNormFeat; tripletWeight = l.triScale
        circleMargin = l.circleMargin; circleGamma = l.circleGamma; circleWeight = l.circleScale
    }
}
