// skl: the symmetric (Jeffreys) divergence ½[KL(T‖S) + KL(S‖T)] × T² — what FastReID's
// Distiller computes and calls "JS div" (Losses/LogitKD.swift). The true Jensen–Shannon
// divergence is `js`.
import Tensor
import Config
import NN

final class SymmetricKLTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "skl", help: "symmetric KL, FastReID's \"JS div\"", keys: [LogitKDKeys.self], needs: [.logits],
        reportKeys: LogitKDKeys.reportKeys, describe: LogitKDKeys.describe) { c, ctx, _ in try SymmetricKLTerm(c, ctx) }

    let temperature: Float, weight: Float
    init(_ c: ResolvedConfig, _ ctx: TermContext) throws {
        try LogitKDKeys.requireSameClasses(ctx, term: "skl")
        temperature = Float(c[\LogitKDKeys.temperature]); weight = Float(c[\LogitKDKeys.weight])
    }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_skl", DistillLosses.symmetricKL(student: studentLogits(b.student), teacher: b.teacher.logits, temperature: temperature), weight: weight)
    }
}
