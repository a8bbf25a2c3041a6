// dkd: decoupled KD (Zhao et al., CVPR 2022). KD's loss splits into a target-class part — KL of
// the binary distributions [p_gt, 1 − p_gt] (TCKD) — and a non-target part — KL of the
// distributions over the other classes, renormalised without the target (NCKD); DKD weights them
// α and β instead of coupling NCKD to 1 − p_gt. As mdistiller: both × T², summed over the batch
// and divided by its size, and the whole term ramps in linearly over the first part of training.
import Foundation
import Tensor
import Config
import NN

public struct DKDKeys: ConfigKeyGroup {
    public init() {}
    public let alpha = Key.float("KD.DKD_ALPHA", 1, KeyRange.nonNegative, "dkd: weight α of the target-class part TCKD (paper default 1)")
    public let beta = Key.float("KD.DKD_BETA", 8, KeyRange.nonNegative, "dkd: weight β of the non-target part NCKD (paper default 8)")
    public let warmup = Key.float("KD.DKD_WARMUP", 0.1, 0.0...1, "dkd: fraction of training over which the term ramps in linearly from 0 (mdistiller: 20 of 240 epochs)")
}

final class DKDTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "dkd", help: "decoupled KD, target and non-target parts", keys: [LogitKDKeys.self, DKDKeys.self], needs: [.logits],
        reportKeys: [LogitKDKeys.shared.temperature.name, DKDKeys.shared.alpha.name, DKDKeys.shared.beta.name],
        describe: { c in "T = \(c.peek(\LogitKDKeys.temperature)), α = \(c.peek(\DKDKeys.alpha)), β = \(c.peek(\DKDKeys.beta))" }) { c, ctx, _ in
            try DKDTerm(c, ctx)
        }

    let temperature: Float, alpha: Float, beta: Float, warmup: Double
    init(_ c: ResolvedConfig, _ ctx: TermContext) throws {
        try LogitKDKeys.requireSameClasses(ctx, term: "dkd")
        temperature = Float(c[\LogitKDKeys.temperature])
        alpha = Float(c[\DKDKeys.alpha]); beta = Float(c[\DKDKeys.beta]); warmup = c[\DKDKeys.warmup]
    }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        let ramp = Float(warmup > 0 ? min(b.progress / warmup, 1) : 1)
        let (tckd, nckd) = DistillLosses.decoupledKD(student: studentLogits(b.student), teacher: b.teacher.logits,
                                                     targets: b.targets, temperature: temperature)
        losses.add("loss_dkd_tckd", tckd, weight: ramp * alpha)
        losses.add("loss_dkd_nckd", nckd, weight: ramp * beta)
    }
}

extension DistillLosses {
    /// (TCKD, NCKD), each T² · Σ_batch KL / B, unweighted.
    public static func decoupledKD(student s: Tensor, teacher t: Tensor, targets: [Int], temperature T: Float) -> (Tensor, Tensor) {
        checkRows(s, t, "dkd")
        precondition(s.shape == t.shape, "ReidKD distill error: dkd needs the same classes: student \(s.shape), teacher \(t.shape)")
        let (n, c) = (s.shape[0], s.shape[1])
        precondition(targets.count == n && targets.allSatisfy { (0..<c).contains($0) }, "ReidKD distill error: dkd: labels must be in 0..<\(c)")
        let gt = Tensor.zeros([n, c])
        for (i, y) in targets.enumerated() { gt.pointer[i * c + y] = 1 }
        let other = 1 - gt
        let logPS = (s / T).logSoftmax(axis: 1), logPT = (t.detached() / T).logSoftmax(axis: 1)
        let pS = logPS.exp(), pT = logPT.exp()
        // Binary distributions [p_gt, p_rest]; the teacher's side is a constant.
        let sGT = (pS * gt).sum(axes: [1]), sRest = (pS * other).sum(axes: [1])
        let tGT = (pT * gt).sum(axes: [1]), tRest = (pT * other).sum(axes: [1])
        var tEntropy = 0.0   // Σ t log t of the binary teacher distributions (0 log 0 = 0)
        for i in 0..<n {
            for v in [tGT.pointer[i], tRest.pointer[i]] where v > 0 { tEntropy += Double(v) * Foundation.log(Double(v)) }
        }
        let cross = (tGT * sGT.clamp(min: 1e-30).log() + tRest * sRest.clamp(min: 1e-30).log()).sum()
        let tckd = (Float(tEntropy) - cross) * (T * T / Float(n))
        // Non-target classes: the target logit pushed to −1000 before the softmax.
        let logPS2 = (s / T - 1000 * gt).logSoftmax(axis: 1), logPT2 = (t.detached() / T - 1000 * gt).logSoftmax(axis: 1)
        let nckd = (logPT2.exp() * (logPT2 - logPS2)).sum() * (T * T / Float(n))
        return (tckd, nckd)
    }
}
