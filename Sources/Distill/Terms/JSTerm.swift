// js: the Jensen–Shannon divergence ½ KL(p_T ‖ m) + ½ KL(p_S ‖ m), m = ½(p_T + p_S), on
// temperature-softened logits, × T² and averaged over the batch. Bounded by log 2 (per T²) and
// symmetric; what FastReID calls "JS div" is the symmetric KL (`skl`), a different quantity.
import Tensor
import Config
import NN

final class JSTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "js", help: "Jensen–Shannon divergence on softened logits", keys: [LogitKDKeys.self], needs: [.logits],
        reportKeys: LogitKDKeys.reportKeys, describe: LogitKDKeys.describe) { c, ctx, _ in try JSTerm(c, ctx) }

    let temperature: Float, weight: Float
    init(_ c: ResolvedConfig, _ ctx: TermContext) throws {
        try LogitKDKeys.requireSameClasses(ctx, term: "js")
        temperature = Float(c[\LogitKDKeys.temperature]); weight = Float(c[\LogitKDKeys.weight])
    }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_js", DistillLosses.jensenShannon(student: studentLogits(b.student), teacher: b.teacher.logits, temperature: temperature), weight: weight)
    }
}

extension DistillLosses {
    /// T² · mean over the batch of ½ Σ_k [p_T (log p_T − log m) + p_S (log p_S − log m)].
    public static func jensenShannon(student: Tensor, teacher: Tensor, temperature T: Float) -> Tensor {
        checkRows(student, teacher, "js")
        precondition(student.shape == teacher.shape, "ReidKD distill error: js needs the same classes: student \(student.shape), teacher \(teacher.shape)")
        let logPS = (student / T).logSoftmax(axis: 1), logPT = (teacher.detached() / T).logSoftmax(axis: 1)
        let pS = logPS.exp(), pT = logPT.exp()
        let logM = ((pS + pT) * 0.5).clamp(min: 1e-30).log()
        let js = (pT * (logPT - logM) + pS * (logPS - logM)).sum(axes: [1]) * 0.5
        return js.mean() * (T * T)
    }
}
