// hint: FitNets (Romero et al. 2015) — a 1×1 adapter maps a student stage map to the teacher
// stage's channels and MSE pulls it there (Losses/FeatureHint.swift). Needs stage maps, which
// the teacher-output cache does not hold: the teacher runs online.
import Tensor
import Config
import NN

public struct HintKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.HINT_WEIGHT", 1, KeyRange.nonNegative, "weight of the FitNets hint")
    public let stage = Key.int("KD.HINT_STAGE", 2, 0...3, "backbone stage (0-based) whose map the hint matches, for student and teacher")
}

final class HintTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "hint", help: "FitNets stage-map hint", keys: [HintKeys.self], needs: [.stages],
        reportKeys: [HintKeys.shared.weight.name, HintKeys.shared.stage.name],
        describe: { c in "stage \(c.peek(\HintKeys.stage))" }) { c, ctx, rng in try HintTerm(c, ctx, &rng) }

    let weight: Float, stage: Int, adapter: Parameter
    init(_ c: ResolvedConfig, _ ctx: TermContext, _ rng: inout RandomGenerator) throws {
        weight = Float(c[\HintKeys.weight]); stage = c[\HintKeys.stage]
        guard stage < ctx.studentStageChannels.count, stage < ctx.teacherStageChannels.count else {
            throw TrainError("KD.HINT_STAGE \(stage) does not exist in the student (\(ctx.studentStageChannels.count) stages) or the teacher (\(ctx.teacherStageChannels.count))")
        }
        let s = ctx.studentStageChannels[stage], t = ctx.teacherStageChannels[stage]
        adapter = Parameter(Tensor.randn([t, s, 1, 1], std: Float((2 / Double(s)).squareRoot()), rng: &rng))
    }
    var namedParameters: [(String, Parameter)] { [("distill.hint.adapter", adapter)] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add("loss_hint", DistillLosses.featureHint(student: b.student.stages[stage], teacher: b.teacher.stages[stage], adapter: adapter), weight: weight)
    }
}
