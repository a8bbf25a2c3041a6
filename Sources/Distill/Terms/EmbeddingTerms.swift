// mse and cos: the student's pre-neck embedding pulled to the teacher's (Losses/EmbeddingMSE.swift,
// CosineEmbedding.swift), through a learned linear projector when the widths differ. One term
// type, two losses.
import Tensor
import Config
import NN

/// KD.EMBED_WEIGHT, read by mse and cos.
public struct EmbeddingKDKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.EMBED_WEIGHT", 1, KeyRange.nonNegative, "weight of mse / cos on the embedding (pre-neck feature)")
}

/// (student embedding, teacher embedding, projector) → the loss.
typealias EmbeddingLoss = (Tensor, Tensor, Tensor?) -> Tensor

final class EmbeddingMatchTerm: DistillTerm {
    static let mse = entry("mse", "MSE to the teacher's embedding", loss: "loss_kd_mse") {
        DistillLosses.embeddingMSE(student: $0, teacher: $1, projector: $2)
    }
    static let cos = entry("cos", "1 − cosine to the teacher's embedding", loss: "loss_kd_cos") {
        DistillLosses.cosineEmbedding(student: $0, teacher: $1, projector: $2)
    }

    static func entry(_ name: String, _ help: String, loss: String, _ f: @escaping EmbeddingLoss) -> DistillTermEntry {
        DistillTermEntry(name: name, help: help, keys: [EmbeddingKDKeys.self], needs: [.embedding],
                         reportKeys: [EmbeddingKDKeys.shared.weight.name]) { c, ctx, rng in
            EmbeddingMatchTerm(name: name, loss: loss, weight: Float(c[\EmbeddingKDKeys.weight]),
                               projector: embeddingProjector(ctx, rng: &rng), f: f)
        }
    }

    let name: String, loss: String, weight: Float, projector: Parameter?, f: EmbeddingLoss
    init(name: String, loss: String, weight: Float, projector: Parameter?, f: @escaping EmbeddingLoss) {
        self.name = name; self.loss = loss; self.weight = weight; self.projector = projector; self.f = f
    }
    var namedParameters: [(String, Parameter)] { projector.map { [("distill.\(name).projector", $0)] } ?? [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add(loss, f(b.student.head.preNeck, b.teacher.embedding, projector), weight: weight)
    }
}
