// The distillation objective: the KD.METHOD terms on top of the student's own losses, built from
// the term registry (Terms/). Each term weights and names its own losses (loss_kd, loss_kd_mse,
// loss_rkd_d, …); its bridge parameters ("distill.<term>.*") are optimised with the student but
// never exported with it.
import Tensor
import Config
import NN

public final class DistillObjective {
    public let kd: KDConfig
    let terms: [any DistillTerm]

    public init(kd: KDConfig, config: ResolvedConfig, context: TermContext, rng: inout RandomGenerator) throws {
        self.kd = kd
        var built: [any DistillTerm] = []
        for name in kd.terms { built.append(try DistillTerms.entry(named: name)!.make(config, context, &rng)) }
        terms = built
    }

    public var namedParameters: [(String, Parameter)] { terms.flatMap(\.namedParameters) }

    /// Parameters and buffers: what the run's distill state file holds for an exact resume.
    public var stateDict: [(String, Tensor)] {
        namedParameters.map { ($0.0, $0.1 as Tensor) } + terms.flatMap(\.namedBuffers)
    }

    /// Adds the KD terms for one batch to `losses`.
    public func addTerms(to losses: inout LossDict, student out: ReidOutput, teacher t: TeacherOutput, targets: [Int],
                         sampleIndices: [Int] = [], progress: Double = 1, iteration: Int = 0) {
        let b = TermBatch(student: out, teacher: t, targets: targets, sampleIndices: sampleIndices, progress: progress,
                          iteration: iteration)
        for term in terms { term.addLoss(to: &losses, b) }
    }
}
