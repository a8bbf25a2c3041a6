// MODEL.* keys of the model itself (backbone, head, input normalisation, initial weights). Names
// and values follow FastReID's defaults.py unless the help says otherwise. The loss keys
// (MODEL.LOSSES.*) live with the losses (Losses/LossKeys.swift).
import Config

public struct ModelKeys: ConfigKeyGroup {
    public init() {}
    static let imagenetMean = [123.675, 116.28, 103.53]
    static let imagenetStd = [58.395, 57.12, 57.375]

    public let pixelMean = Key.floats("MODEL.PIXEL_MEAN", imagenetMean, -1e4...1e4, n: 3...3, "per-channel mean subtracted from 0–255 RGB input")
    public let pixelStd = Key.floats("MODEL.PIXEL_STD", imagenetStd, 1e-6...1e4, n: 3...3, "per-channel std dividing 0–255 RGB input")
    public let weights = Key.string("MODEL.WEIGHTS", "", nil, "weights that initialise the whole model before training, matched by name: a ReidKD .safetensors, a FastReID/PyTorch .pth, or a torchvision-layout ImageNet state dict; tensors of another shape (a classifier for other identities) are skipped and reported; empty = random init")
    public let freezeLayers = Key.strings("MODEL.FREEZE_LAYERS", ["backbone"], n: KeyRange.any, "parameter-name prefixes frozen for SOLVER.FREEZE_ITERS (FastReID default [], ours [backbone] so FREEZE_ITERS alone works)")
    public let backboneName = Key.string("MODEL.BACKBONE.NAME", "resnet", nil, "backbone registry name")
    public let depth = Key.choice("MODEL.BACKBONE.DEPTH", 50, [18, 34, 50, 101], "ResNet depth (FastReID writes \"50x\")")
    public let lastStride = Key.choice("MODEL.BACKBONE.LAST_STRIDE", 1, [1, 2], "stride of the last stage")
    public let withIBN = Key.flag("MODEL.BACKBONE.WITH_IBN", false, "IBN-a: instance norm on half the channels of bn1 in layer1–3")
    public let withSE = Key.flag("MODEL.BACKBONE.WITH_SE", false, "squeeze-excitation blocks (r = 16)")
    public let pretrainPath = Key.string("MODEL.BACKBONE.PRETRAIN_PATH", "", nil, "ImageNet weights for the backbone only, loaded before training: a torchvision-layout state dict (.pth or .safetensors) for ResNet or MobileNetV2, or the backbone of a ReidKD/FastReID checkpoint; the head is left fresh (FastReID also needs PRETRAIN: True; here a path is enough); empty = none")
    public let stemPool = Key.string("MODEL.BACKBONE.STEM_POOL", "torchvision", ["torchvision", "fastreid"], "ResNet stem max pool: torchvision = 3×3/2, padding 1, floor mode (ours); fastreid = 3×3/2, padding 0, ceil mode (FastReID's ResNet; set by reidkd import)")
    public let zeroInitResidual = Key.flag("MODEL.BACKBONE.ZERO_INIT_RESIDUAL", false, "zero γ of the last BN of each residual branch (blocks start as identity; ours)")
    public let width = Key.float("MODEL.BACKBONE.WIDTH", 1.0, 0.015625...4, "channel-width multiplier (ours; FastReID has none for ResNet)")
    public let poolLayer = Key.string("MODEL.HEADS.POOL_LAYER", "GlobalAvgPool", nil, "pooling registry name")
    public let embeddingDim = Key.int("MODEL.HEADS.EMBEDDING_DIM", 0, KeyRange.any, "1×1 reduction to this dimension before the neck; 0 = none")
    public let withBNNeck = Key.flag("MODEL.HEADS.WITH_BNNECK", true, "BatchNorm neck with frozen zero bias")
    public let neckFeat = Key.string("MODEL.HEADS.NECK_FEAT", "before", ["before", "after"], "feature used at eval and by metric losses: before or after the BNNeck")
    public let clsLayer = Key.string("MODEL.HEADS.CLS_LAYER", "Linear", nil, "classifier registry name (Linear, ArcSoftmax, CircleSoftmax, CosSoftmax)")
    public let scale = Key.float("MODEL.HEADS.SCALE", 1.0, 0.0...1e4, "classifier scale s")
    public let margin = Key.float("MODEL.HEADS.MARGIN", 0.0, 0.0...10, "classifier margin m")
    public let numClasses = Key.int("MODEL.HEADS.NUM_CLASSES", 0, KeyRange.any, "identities in the training set; 0 = take from the data")
}
