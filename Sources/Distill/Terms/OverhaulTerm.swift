// overhaul: feature distillation on pre-ReLU stage maps (Heo et al., ICCV 2019, "A Comprehensive
// Overhaul of Feature Distillation"), as FastReID's FastDistill uses it. At every backbone stage a
// connector (1×1 conv + BN) maps the student's pre-ReLU map to the teacher's channels; the
// teacher's pre-ReLU map is raised to a per-channel margin m_c = E[x | x < 0] of the teacher BN's
// output distribution N(β_c, γ_c²) — what ReLU discards, the student need not match below it; and
// a partial L2 counts a position only where the student is above the target or the target is
// positive. Stage i is weighted 1/2^(n−1−i); the sum is divided by the batch size and 10000
// (FastReID's scale). Needs pre-ReLU stage maps: the teacher runs online (not cached).
import Foundation
import Tensor
import Config
import NN

public struct OverhaulKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.OVERHAUL_WEIGHT", 1, KeyRange.nonNegative, "overhaul: weight of the pre-ReLU feature term (FastReID's scale: sum / batch / 10000)")
}

final class OverhaulTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "overhaul", help: "Overhaul feature distillation on pre-ReLU stage maps", keys: [OverhaulKeys.self],
        needs: [.preReLUStages], reportKeys: [OverhaulKeys.shared.weight.name]) { c, ctx, rng in try OverhaulTerm(c, ctx, &rng) }

    let weight: Float
    let connectors: [Sequential]
    /// Per stage, the margins as a (1, C, 1, 1) constant.
    let margins: [[Float]]

    init(_ c: ResolvedConfig, _ ctx: TermContext, _ rng: inout RandomGenerator) throws {
        weight = Float(c[\OverhaulKeys.weight])
        let (s, t) = (ctx.studentStageChannels, ctx.teacherStageChannels)
        guard s.count == t.count, ctx.teacherStageNorms.count == t.count else {
            throw TrainError("KD.METHOD overhaul pairs backbone stages: the student has \(s.count), the teacher \(t.count) (with \(ctx.teacherStageNorms.count) stage BNs); use backbones with the same number of stages")
        }
        var conns: [Sequential] = []
        for (cs, ct) in zip(s, t) {
            let conn = Sequential([Conv2d(cs, ct, kernel: 1, rng: &rng), BatchNorm(ct)])
            conns.append(conn)
        }
        connectors = conns
        margins = ctx.teacherStageNorms.map { OverhaulTerm.margins(gamma: $0.gamma, beta: $0.beta) }
    }

    /// E[x | x < 0] for x ~ N(β, γ²) per channel (−3|γ| when P(x < 0) ≤ 0.001), as FastReID.
    static func margins(gamma: [Float], beta: [Float]) -> [Float] {
        zip(gamma, beta).map { g, b in
            let s = Double(abs(g)), m = Double(b)
            guard s > 0 else { return Float(min(m, 0)) }
            let cdf = 0.5 * erfc((m / s) / 2.0.squareRoot())   // Φ(−m/s)
            guard cdf > 0.001 else { return Float(-3 * s) }
            return Float(-s * exp(-(m / s) * (m / s) / 2) / (2 * Double.pi).squareRoot() / cdf + m)
        }
    }

    var namedParameters: [(String, Parameter)] {
        connectors.enumerated().flatMap { i, c in c.namedParameters(prefix: "distill.overhaul.connectors.\(i)") }
    }

    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        let n = connectors.count
        var total: Tensor?
        for i in 0..<n {
            let s = connectors[i](b.student.preActivationStages[i])
            let term = DistillLosses.overhaulPartialL2(student: s, teacher: b.teacher.preActivationStages[i], margin: margins[i])
                * (1 / Float(1 << (n - 1 - i)))
            total = total.map { $0 + term } ?? term
        }
        losses.add("loss_overhaul", total! * (1 / (Float(b.targets.count) * 10000)), weight: weight)
    }
}

extension DistillLosses {
    /// Σ (s − t')² over positions where s > t' or t' > 0, with t' = max(t, margin_c).
    public static func overhaulPartialL2(student s: Tensor, teacher t: Tensor, margin: [Float]) -> Tensor {
        checkRows(s, t, "overhaul")
        precondition(s.shape == t.shape, "ReidKD distill error: overhaul: connector output \(s.shape) vs teacher stage \(t.shape); student and teacher stages must have the same spatial size")
        let c = s.shape[1], plane = s.count / (s.shape[0] * c)
        precondition(margin.count == c, "ReidKD distill error: overhaul: \(margin.count) margins for \(c) channels")
        let target = Tensor.empty(t.shape), mask = Tensor.empty(t.shape)
        let tp = t.pointer, sp = s.pointer
        for i in 0..<t.count {
            let v = Swift.max(tp[i], margin[(i / plane) % c])
            target.pointer[i] = v
            mask.pointer[i] = (sp[i] > v || v > 0) ? 1 : 0
        }
        let d = s - target
        return (d * d * mask).sum()
    }
}
