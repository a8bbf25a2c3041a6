// Terms that match the batch's structure rather than the features, so the widths may differ:
// rkd (Park et al. 2019: distances and angles), pkt (Passalis & Tefas 2018: probability
// distributions of cosine similarities) and sp (Tung & Mori 2019: similarity matrices).
import Tensor
import Config
import NN

public struct RKDKeys: ConfigKeyGroup {
    public init() {}
    public let distanceWeight = Key.float("KD.RKD_DISTANCE_WEIGHT", 25, KeyRange.nonNegative, "weight of the RKD distance term (mdistiller default 25)")
    public let angleWeight = Key.float("KD.RKD_ANGLE_WEIGHT", 50, KeyRange.nonNegative, "weight of the RKD angle term (mdistiller default 50)")
}
public struct PKTKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.PKT_WEIGHT", 1, KeyRange.nonNegative, "weight of PKT on the embedding")
}
public struct SPKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.SP_WEIGHT", 1, KeyRange.nonNegative, "weight of similarity-matrix matching on the embedding")
}

final class RKDTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "rkd", help: "relational KD, distance + angle", keys: [RKDKeys.self], needs: [.embedding],
        reportKeys: [RKDKeys.shared.distanceWeight.name, RKDKeys.shared.angleWeight.name]) { c, _, _ in RKDTerm(c) }
    let distanceWeight: Float, angleWeight: Float
    init(_ c: ResolvedConfig) { distanceWeight = Float(c[\RKDKeys.distanceWeight]); angleWeight = Float(c[\RKDKeys.angleWeight]) }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_rkd_d", DistillLosses.rkdDistance(student: b.student.head.preNeck, teacher: b.teacher.embedding), weight: distanceWeight)
        losses.add("loss_rkd_a", DistillLosses.rkdAngle(student: b.student.head.preNeck, teacher: b.teacher.embedding), weight: angleWeight)
    }
}

/// pkt and sp: one weight, one loss on the two embeddings (any widths).
final class EmbeddingRelationTerm: DistillTerm {
    static let pkt = DistillTermEntry(
        name: "pkt", help: "probabilistic knowledge transfer", keys: [PKTKeys.self], needs: [.embedding],
        reportKeys: [PKTKeys.shared.weight.name]) { c, _, _ in
            EmbeddingRelationTerm(loss: "loss_pkt", weight: Float(c[\PKTKeys.weight])) { DistillLosses.pkt(student: $0, teacher: $1) }
        }
    static let sp = DistillTermEntry(
        name: "sp", help: "similarity-preserving matrices", keys: [SPKeys.self], needs: [.embedding],
        reportKeys: [SPKeys.shared.weight.name]) { c, _, _ in
            EmbeddingRelationTerm(loss: "loss_sp", weight: Float(c[\SPKeys.weight])) { DistillLosses.similarityMatching(student: $0, teacher: $1) }
        }

    let loss: String, weight: Float, f: (Tensor, Tensor) -> Tensor
    init(loss: String, weight: Float, f: @escaping (Tensor, Tensor) -> Tensor) { self.loss = loss; self.weight = weight; self.f = f }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add(loss, f(b.student.head.preNeck, b.teacher.embedding), weight: weight)
    }
}
