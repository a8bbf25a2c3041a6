// The logit-matching terms kl, skl and js: one term type, three divergences on temperature-
// softened class distributions (Losses/LogitKD.swift, Losses/JensenShannon.swift). Teacher and student must
// score the same classes.
import Tensor
import Config
import NN

/// KD.TEMPERATURE and KD.LOGIT_WEIGHT, read by every logit-matching term.
public struct LogitKDKeys: ConfigKeyGroup {
    public init() {}
    public let temperature = Key.float("KD.TEMPERATURE", 4, 0.01...1000, "softmax temperature of the logit terms (kl, skl, js, dkd)")
    public let weight = Key.float("KD.LOGIT_WEIGHT", 1, KeyRange.nonNegative, "weight of kl / skl / js")

    static var reportKeys: [String] { [shared.temperature.name, shared.weight.name] }
    static func describe(_ c: ResolvedConfig) -> String? { "T = \(ConfigValue.double(c.peek(\LogitKDKeys.temperature)).yaml)" }

    /// Throws unless teacher and student score the same classes.
    static func requireSameClasses(_ ctx: TermContext, term: String) throws {
        guard ctx.teacherClasses == ctx.studentClasses else {
            throw TrainError("KD.METHOD \(term) needs the same classes: teacher has \(ctx.teacherClasses), student \(ctx.studentClasses); train both on the same dataset")
        }
    }
}

/// (student logits, teacher logits, T) → the divergence, × T², batch mean.
typealias LogitDivergence = (Tensor, Tensor, Float) -> Tensor

final class LogitMatchTerm: DistillTerm {
    static let kl = entry("kl", "KL(teacher ‖ student) on softened logits", loss: "loss_kd") {
        DistillLosses.klDivergence(student: $0, teacher: $1, temperature: $2)
    }
    static let skl = entry("skl", "symmetric KL, FastReID's \"JS div\"", loss: "loss_skl") {
        DistillLosses.symmetricKL(student: $0, teacher: $1, temperature: $2)
    }
    static let js = entry("js", "Jensen–Shannon divergence on softened logits", loss: "loss_js") {
        DistillLosses.jensenShannon(student: $0, teacher: $1, temperature: $2)
    }

    static func entry(_ name: String, _ help: String, loss: String, _ divergence: @escaping LogitDivergence) -> DistillTermEntry {
        DistillTermEntry(name: name, help: help, keys: [LogitKDKeys.self], needs: [.logits],
                         reportKeys: LogitKDKeys.reportKeys, describe: LogitKDKeys.describe) { c, ctx, _ in
            try LogitKDKeys.requireSameClasses(ctx, term: name)
            return LogitMatchTerm(loss: loss, temperature: Float(c[\LogitKDKeys.temperature]), weight: Float(c[\LogitKDKeys.weight]),
                                  divergence: divergence)
        }
    }

    let loss: String, temperature: Float, weight: Float, divergence: LogitDivergence
    init(loss: String, temperature: Float, weight: Float, divergence: @escaping LogitDivergence) {
        self.loss = loss; self.temperature = temperature; self.weight = weight; self.divergence = divergence
    }
    var namedParameters: [(String, Parameter)] { [] }
    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        losses.add(loss, divergence(studentLogits(b.student), b.teacher.logits, temperature), weight: weight)
    }
}
