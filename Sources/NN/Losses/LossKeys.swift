// MODEL.LOSSES.* keys, read by `LossSpec(config:)`. FastReID's names; values are FastReID's
// unless the help says otherwise.
import Config

public struct LossKeys: ConfigKeyGroup {
    public init() {}
    public let names = Key.strings("MODEL.LOSSES.NAME", ["CrossEntropyLoss"], n: 1...Int.max, "loss registry names, summed with their SCALE (CrossEntropyLoss, TripletLoss, CircleLoss, Cosface)")
    public let ceEpsilon = Key.float("MODEL.LOSSES.CE.EPSILON", 0.1, 0.0...1, "label smoothing ε (FastReID default 0, bagtricks 0.1)")
    public let ceScale = Key.float("MODEL.LOSSES.CE.SCALE", 1.0, KeyRange.nonNegative, "weight of loss_cls")
    public let triMargin = Key.float("MODEL.LOSSES.TRI.MARGIN", 0.3, 0.0...10, "triplet margin; 0 = soft margin")
    public let triNormFeat = Key.flag("MODEL.LOSSES.TRI.NORM_FEAT", false, "L2-normalise features before the triplet distances")
    public let triHardMining = Key.flag("MODEL.LOSSES.TRI.HARD_MINING", true, "true: batch-hard mining (bagtricks); false: softmax-weighted positives and negatives (FastReID's weighted_example_mining, its default)")
    public let triScale = Key.float("MODEL.LOSSES.TRI.SCALE", 1.0, KeyRange.nonNegative, "weight of loss_triplet")
    public let circleMargin = Key.float("MODEL.LOSSES.CIRCLE.MARGIN", 0.25, 0.0...1, "pairwise circle loss margin m")
    public let circleGamma = Key.float("MODEL.LOSSES.CIRCLE.GAMMA", 128, 1e-6...1e4, "pairwise circle loss scale γ")
    public let circleScale = Key.float("MODEL.LOSSES.CIRCLE.SCALE", 1.0, KeyRange.nonNegative, "weight of loss_circle")
    public let cosfaceMargin = Key.float("MODEL.LOSSES.COSFACE.MARGIN", 0.25, 0.0...1, "pairwise CosFace margin m")
    public let cosfaceGamma = Key.float("MODEL.LOSSES.COSFACE.GAMMA", 128, 1e-6...1e4, "pairwise CosFace scale γ")
    public let cosfaceScale = Key.float("MODEL.LOSSES.COSFACE.SCALE", 1.0, KeyRange.nonNegative, "weight of loss_cosface")
}
