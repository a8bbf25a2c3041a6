// The Jensen–Shannon divergence of the js term (LogitTerms.swift): ½ KL(p_T ‖ m) + ½ KL(p_S ‖ m),
// m = ½(p_T + p_S), on temperature-softened logits, × T² and averaged over the batch. Bounded by
// log 2 (per T²) and symmetric; what FastReID calls "JS div" is the symmetric KL (`skl`).
import Tensor

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
