// The typed view of the KD.* keys (distillation), read by the Distill module.
import Foundation
import Support

public struct KDConfig: Sendable, Equatable {
    /// Terms a KD.METHOD may combine with '+'.
    public static let termNames = ["kl", "skl", "mse", "cos", "rkd", "pkt", "sp", "hint"]

    public var terms: [String]
    public var temperature: Double
    public var logitWeight: Double, embedWeight: Double
    public var rkdDistanceWeight: Double, rkdAngleWeight: Double
    public var pktWeight: Double, spWeight: Double, hintWeight: Double
    public var hintStage: Int
    public var teacherConfig: String, teacherWeights: String
    public var cache: Bool

    public var enabled: Bool { !terms.isEmpty }
    /// Whether any term needs the teacher's stage maps (these are never cached).
    public var needsStages: Bool { terms.contains("hint") }

    public init(_ c: ResolvedConfig) throws {
        let method = c.string("KD.METHOD").lowercased()
        terms = method == "none" || method.isEmpty ? [] : method.split(separator: "+").map { String($0).trimmingCharacters(in: .whitespaces) }
        for t in terms where !KDConfig.termNames.contains(t) {
            throw ConfigError("KD.METHOD: unknown term '\(t)'\(Suggest.phrase(for: t, in: KDConfig.termNames)) Valid terms: \(KDConfig.termNames.joined(separator: ", ")), joined with '+', or none.")
        }
        guard Set(terms).count == terms.count else { throw ConfigError("KD.METHOD: '\(method)' repeats a term") }
        guard !(terms.contains("kl") && terms.contains("skl")) else { throw ConfigError("KD.METHOD: use kl or skl, not both") }
        temperature = c.double("KD.TEMPERATURE")
        logitWeight = c.double("KD.LOGIT_WEIGHT"); embedWeight = c.double("KD.EMBED_WEIGHT")
        rkdDistanceWeight = c.double("KD.RKD_DISTANCE_WEIGHT"); rkdAngleWeight = c.double("KD.RKD_ANGLE_WEIGHT")
        pktWeight = c.double("KD.PKT_WEIGHT"); spWeight = c.double("KD.SP_WEIGHT"); hintWeight = c.double("KD.HINT_WEIGHT")
        hintStage = c.int("KD.HINT_STAGE")
        teacherConfig = c.string("KD.TEACHER_CONFIG"); teacherWeights = c.string("KD.TEACHER_WEIGHTS")
        cache = c.bool("KD.CACHE")
    }
}

extension ReidConfig {
    /// KD.* as a typed value; throws on an invalid KD.METHOD.
    public func kd() throws -> KDConfig { try KDConfig(resolved) }
}
