// The logit terms' shared keys and their class check. kl, skl and js compare softened class
// distributions, so teacher and student must score the same classes.
import Config

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
