// kl: Hinton KD — T² · KL(p_T ‖ p_S) on temperature-softened logits (Losses/LogitKD.swift).
import Tensor
import Config
import NN

final class KLTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "kl", help: "KL(teacher ‖ student) on softened logits", keys: [LogitKDKeys.self], needs: [.logits],
        reportKeys: LogitKDKeys.reportKeys, describe: LogitKDKeys.describe) { c, ctx, _ in try KLTerm(c, ctx) }

    let temperature: Float, weight: Float
    init(_ c: ResolvedConfig, _ ctx: TermContext) throws {
        try LogitKDKeys.requireSameClasses(ctx, term: "kl")
        temperature = Float(c[\LogitKDKeys.temperature]); weight = Float(c[\LogitKDKeys.weight])
    }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_kd", DistillLosses.klDivergence(student: studentLogits(b.student), teacher: b.teacher.logits, temperature: temperature), weight: weight)
    }
}
