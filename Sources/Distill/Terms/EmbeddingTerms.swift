// mse and cos: the student's pre-neck embedding pulled to the teacher's (Losses/EmbeddingMSE.swift,
// CosineEmbedding.swift), through a learned linear projector when the widths differ.
import Tensor
import Config
import NN

/// KD.EMBED_WEIGHT, read by mse and cos.
public struct EmbeddingKDKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.EMBED_WEIGHT", 1, KeyRange.nonNegative, "weight of mse / cos on the embedding (pre-neck feature)")
}

final class EmbeddingMSETerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "mse", help: "MSE to the teacher's embedding", keys: [EmbeddingKDKeys.self], needs: [.embedding],
        reportKeys: [EmbeddingKDKeys.shared.weight.name]) { c, ctx, rng in EmbeddingMSETerm(c, ctx, &rng) }

    let weight: Float, projector: Parameter?
    init(_ c: ResolvedConfig, _ ctx: TermContext, _ rng: inout RandomGenerator) {
        weight = Float(c[\EmbeddingKDKeys.weight]); projector = embeddingProjector(ctx, rng: &rng)
    }
    var namedParameters: [(String, Parameter)] { projector.map { [("distill.mse.projector", $0)] } ?? [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_kd_mse", DistillLosses.embeddingMSE(student: b.student.head.preNeck, teacher: b.teacher.embedding, projector: projector), weight: weight)
    }
}

final class CosineTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "cos", help: "1 − cosine to the teacher's embedding", keys: [EmbeddingKDKeys.self], needs: [.embedding],
        reportKeys: [EmbeddingKDKeys.shared.weight.name]) { c, ctx, rng in CosineTerm(c, ctx, &rng) }

    let weight: Float, projector: Parameter?
    init(_ c: ResolvedConfig, _ ctx: TermContext, _ rng: inout RandomGenerator) {
        weight = Float(c[\EmbeddingKDKeys.weight]); projector = embeddingProjector(ctx, rng: &rng)
    }
    var namedParameters: [(String, Parameter)] { projector.map { [("distill.cos.projector", $0)] } ?? [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_kd_cos", DistillLosses.cosineEmbedding(student: b.student.head.preNeck, teacher: b.teacher.embedding, projector: projector), weight: weight)
    }
}
