// The distillation objective: the KD.* terms on top of the student's own losses, each weighted
// here (the one place) and logged by name (loss_kd, loss_kd_mse, loss_rkd_d, loss_rkd_a, …).
// Projector/adapter weights that bridge width mismatches are extra trainable parameters of
// the run ("distill.*"), optimised with the student but never exported with it.
import Tensor
import NN

public final class DistillObjective {
    public let kd: KDConfig
    public private(set) var projector: Parameter?
    public private(set) var adapter: Parameter?

    public init(kd: KDConfig, studentEmbed: Int, teacherEmbed: Int, studentStageChannels: Int?, teacherStageChannels: Int?,
                rng: inout RandomGenerator) {
        self.kd = kd
        if (kd.terms.contains("mse") || kd.terms.contains("cos")) && studentEmbed != teacherEmbed {
            let std = Float(1 / Double(studentEmbed).squareRoot())
            projector = Parameter(Tensor.randn([teacherEmbed, studentEmbed], std: std, rng: &rng))
        }
        if kd.terms.contains("hint"), let s = studentStageChannels, let t = teacherStageChannels {
            let std = Float((2 / Double(s)).squareRoot())
            adapter = Parameter(Tensor.randn([t, s, 1, 1], std: std, rng: &rng))
        }
    }

    public var namedParameters: [(String, Parameter)] {
        [("distill.projector", projector), ("distill.adapter", adapter)].compactMap { n, p in p.map { (n, $0) } }
    }

    /// Adds the KD terms for one batch to `losses`.
    public func addTerms(to losses: inout LossDict, student out: ReidOutput, teacher t: TeacherOutput) {
        let T = Float(kd.temperature)
        for term in kd.terms {
            switch term {
            case "kl":
                losses.add("loss_kd", DistillLosses.klDivergence(student: studentLogits(out), teacher: t.logits, temperature: T), weight: Float(kd.logitWeight))
            case "skl":
                losses.add("loss_kd", DistillLosses.symmetricKL(student: studentLogits(out), teacher: t.logits, temperature: T), weight: Float(kd.logitWeight))
            case "mse":
                losses.add("loss_kd_mse", DistillLosses.embeddingMSE(student: out.head.preNeck, teacher: t.embedding, projector: projector), weight: Float(kd.embedWeight))
            case "cos":
                losses.add("loss_kd_cos", DistillLosses.cosineEmbedding(student: out.head.preNeck, teacher: t.embedding, projector: projector), weight: Float(kd.embedWeight))
            case "rkd":
                losses.add("loss_rkd_d", DistillLosses.rkdDistance(student: out.head.preNeck, teacher: t.embedding), weight: Float(kd.rkdDistanceWeight))
                losses.add("loss_rkd_a", DistillLosses.rkdAngle(student: out.head.preNeck, teacher: t.embedding), weight: Float(kd.rkdAngleWeight))
            case "pkt":
                losses.add("loss_pkt", DistillLosses.pkt(student: out.head.preNeck, teacher: t.embedding), weight: Float(kd.pktWeight))
            case "sp":
                losses.add("loss_sp", DistillLosses.similarityMatching(student: out.head.preNeck, teacher: t.embedding), weight: Float(kd.spWeight))
            case "hint":
                if let a = adapter {
                    losses.add("loss_hint", DistillLosses.featureHint(student: out.stages[kd.hintStage], teacher: t.stages[kd.hintStage], adapter: a),
                               weight: Float(kd.hintWeight))
                }
            default: break   // KDConfig validated the names
            }
        }
    }

    /// Margin-free logits s·(raw): what the teacher's logits are comparable with.
    func studentLogits(_ out: ReidOutput) -> Tensor {
        out.head.predLogits ?? out.head.logits!
    }
}
