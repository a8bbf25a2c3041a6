// MODEL.LOSSES.* → LossSpec. FastReID's names (CrossEntropyLoss, TripletLoss, CircleLoss,
// Cosface) and the registry's own (ce, triplet, circle, cosface) are both accepted. A loss's
// keys are read only when that loss is selected.
import Config

extension LossSpec {
    static let aliases = ["crossentropyloss": "ce", "tripletloss": "triplet", "circleloss": "circle", "cosface": "cosface"]

    public init(config c: ResolvedConfig) throws {
        self.init()
        names = c[\LossKeys.names].map { LossSpec.aliases[$0.lowercased()] ?? $0.lowercased() }
        if names.contains("ce") { ceEpsilon = c[\LossKeys.ceEpsilon]; ceWeight = c[\LossKeys.ceScale] }
        if names.contains("triplet") {
            tripletMargin = c[\LossKeys.triMargin]; tripletNormFeat = c[\LossKeys.triNormFeat]
            tripletHardMining = c[\LossKeys.triHardMining]; tripletWeight = c[\LossKeys.triScale]
        }
        if names.contains("circle") {
            circleMargin = c[\LossKeys.circleMargin]; circleGamma = c[\LossKeys.circleGamma]; circleWeight = c[\LossKeys.circleScale]
        }
        if names.contains("cosface") {
            cosfaceMargin = c[\LossKeys.cosfaceMargin]; cosfaceGamma = c[\LossKeys.cosfaceGamma]; cosfaceWeight = c[\LossKeys.cosfaceScale]
        }
    }
}
