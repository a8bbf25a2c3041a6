// The model losses, chosen by name and weighted in one place. `LossSpec` holds every loss
// default (the YAML config maps MODEL.LOSSES.* onto it); `ReidLoss` evaluates the selected terms
// on a ReidOutput and returns a `LossDict` that keeps each weighted term by name for logging
// (`loss_ce`, `loss_tri`, `loss_circle`, `loss_cosface`) and their sum. Distillation adds its own terms with
// `add(_:_:weight:)`.
import Tensor

public struct LossSpec: Codable, Equatable, Sendable {
    /// Selected losses: any of "ce", "triplet", "circle", "cosface".
    public var names = ["ce", "triplet"]
    public var ceEpsilon = 0.1
    public var ceWeight = 1.0
    public var tripletMargin = 0.3        // 0 = soft margin
    public var tripletNormFeat = false
    /// true: batch-hard mining; false: FastReID's softmax-weighted mining.
    public var tripletHardMining = true
    public var tripletWeight = 1.0
    public var circleMargin = 0.25
    public var circleGamma = 128.0
    public var circleWeight = 1.0
    public var cosfaceMargin = 0.25
    public var cosfaceGamma = 128.0
    public var cosfaceWeight = 1.0
    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case names, ceEpsilon = "ce_epsilon", ceWeight = "ce_weight", tripletMargin = "triplet_margin"
        case tripletNormFeat = "triplet_norm_feat", tripletHardMining = "triplet_hard_mining", tripletWeight = "triplet_weight"
        case circleMargin = "circle_margin", circleGamma = "circle_gamma", circleWeight = "circle_weight"
        case cosfaceMargin = "cosface_margin", cosfaceGamma = "cosface_gamma", cosfaceWeight = "cosface_weight"
    }

    /// Missing keys keep their defaults; unknown keys are rejected with a suggestion.
    public init(from decoder: Decoder) throws {
        let known = CodingKeys.allCases.map(\.rawValue)
        for k in try decoder.container(keyedBy: ModelSpecAnyKey.self).allKeys where !known.contains(k.stringValue) {
            throw NNError("unknown loss key '\(k.stringValue)'" + didYouMean(k.stringValue, known) + "; valid: \(known.joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LossSpec()
        names = try c.decodeIfPresent([String].self, forKey: .names) ?? d.names
        ceEpsilon = try c.decodeIfPresent(Double.self, forKey: .ceEpsilon) ?? d.ceEpsilon
        ceWeight = try c.decodeIfPresent(Double.self, forKey: .ceWeight) ?? d.ceWeight
        tripletMargin = try c.decodeIfPresent(Double.self, forKey: .tripletMargin) ?? d.tripletMargin
        tripletNormFeat = try c.decodeIfPresent(Bool.self, forKey: .tripletNormFeat) ?? d.tripletNormFeat
        tripletHardMining = try c.decodeIfPresent(Bool.self, forKey: .tripletHardMining) ?? d.tripletHardMining
        tripletWeight = try c.decodeIfPresent(Double.self, forKey: .tripletWeight) ?? d.tripletWeight
        circleMargin = try c.decodeIfPresent(Double.self, forKey: .circleMargin) ?? d.circleMargin
        circleGamma = try c.decodeIfPresent(Double.self, forKey: .circleGamma) ?? d.circleGamma
        circleWeight = try c.decodeIfPresent(Double.self, forKey: .circleWeight) ?? d.circleWeight
        cosfaceMargin = try c.decodeIfPresent(Double.self, forKey: .cosfaceMargin) ?? d.cosfaceMargin
        cosfaceGamma = try c.decodeIfPresent(Double.self, forKey: .cosfaceGamma) ?? d.cosfaceGamma
        cosfaceWeight = try c.decodeIfPresent(Double.self, forKey: .cosfaceWeight) ?? d.cosfaceWeight
    }
}

/// Weighted loss terms by name and their total.
public struct LossDict {
    public private(set) var terms: [(String, Tensor)] = []
    public init() {}

    /// Adds `weight · value` under `name` (names must be unique).
    public mutating func add(_ name: String, _ value: Tensor, weight: Float = 1) {
        precondition(!terms.contains { $0.0 == name }, "LossDict: term '\(name)' added twice")
        terms.append((name, weight == 1 ? value : value * weight))
    }

    public subscript(_ name: String) -> Tensor? { terms.first { $0.0 == name }?.1 }

    /// Sum of all terms (backward() on this trains the model).
    public var total: Tensor {
        precondition(!terms.isEmpty, "LossDict: no loss terms")
        return terms.dropFirst().reduce(terms[0].1) { $0 + $1.1 }
    }

    /// Term values for logging, in insertion order.
    public var values: [(String, Float)] { terms.map { ($0.0, $0.1.item()) } }
}

/// One loss term: name in the dict and how to compute it from the model output.
public struct LossTerm {
    public let name: String
    public let weight: Float
    public let compute: (ReidOutput, [Int]) -> Tensor
}

/// Loss registry: config name → term builder. One line per loss.
public let lossRegistry = Registry<(LossSpec) -> LossTerm>(kind: "loss", [
    ("ce", { s in LossTerm(name: "loss_ce", weight: Float(s.ceWeight)) { out, y in
        guard let logits = out.logits else { preconditionFailure("loss_ce needs training-mode logits (model.train() and labels)") }
        return crossEntropyLoss(logits, targets: y, epsilon: Float(s.ceEpsilon)) } }),
    ("triplet", { s in LossTerm(name: "loss_tri", weight: Float(s.tripletWeight)) { out, y in
        tripletLoss(out.features, targets: y, margin: Float(s.tripletMargin), normFeat: s.tripletNormFeat,
                    hardMining: s.tripletHardMining) } }),
    ("circle", { s in LossTerm(name: "loss_circle", weight: Float(s.circleWeight)) { out, y in
        pairwiseCircleLoss(out.features, targets: y, margin: Float(s.circleMargin), gamma: Float(s.circleGamma)) } }),
    ("cosface", { s in LossTerm(name: "loss_cosface", weight: Float(s.cosfaceWeight)) { out, y in
        pairwiseCosFaceLoss(out.features, targets: y, margin: Float(s.cosfaceMargin), gamma: Float(s.cosfaceGamma)) } }),
])

/// The selected losses of a model.
public struct ReidLoss {
    public let terms: [LossTerm]

    public init(spec: LossSpec) throws {
        guard !spec.names.isEmpty else { throw NNError("no loss selected; set MODEL.LOSSES.NAME to some of \(lossRegistry.names.joined(separator: ", "))") }
        guard spec.ceEpsilon >= 0 && spec.ceEpsilon < 1 else { throw NNError("loss ce epsilon must be in [0, 1), got \(spec.ceEpsilon)") }
        guard spec.tripletMargin >= 0 else { throw NNError("loss triplet margin must be ≥ 0 (0 = soft margin), got \(spec.tripletMargin)") }
        terms = try spec.names.map { try lossRegistry.lookup($0)(spec) }
    }

    public func callAsFunction(_ out: ReidOutput, targets: [Int]) -> LossDict {
        var d = LossDict()
        for t in terms { d.add(t.name, t.compute(out, targets), weight: t.weight) }
        return d
    }
}
