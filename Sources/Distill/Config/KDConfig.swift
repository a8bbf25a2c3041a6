// The typed view of the KD.* keys, read where the distillation is set up. A term's keys are
// read only when the term is selected.
import Foundation
import Support
import Config

public struct KDConfig: Sendable, Equatable {
    /// Terms a KD.METHOD may combine with '+'.
    public static let termNames = ["kl", "skl", "mse", "cos", "rkd", "pkt", "sp", "hint"]

    public var terms: [String]
    public var temperature = 4.0
    public var logitWeight = 1.0, embedWeight = 1.0
    public var rkdDistanceWeight = 25.0, rkdAngleWeight = 50.0
    public var pktWeight = 1.0, spWeight = 1.0, hintWeight = 1.0
    public var hintStage = 2
    /// KD.CACHE; only read when a term could use the cache.
    public var cache = false

    public var enabled: Bool { !terms.isEmpty }
    /// Whether any term needs the teacher's stage maps (these are never cached).
    public var needsStages: Bool { terms.contains("hint") }

    /// The terms of a KD.METHOD text; throws on an unknown or repeated term.
    public static func terms(of methodText: String) throws -> [String] {
        let method = methodText.lowercased()
        let terms = method == "none" || method.isEmpty ? [] : method.split(separator: "+").map { String($0).trimmingCharacters(in: .whitespaces) }
        for t in terms where !termNames.contains(t) {
            throw ConfigError("KD.METHOD: unknown term '\(t)'\(Suggest.phrase(for: t, in: termNames)) Valid terms: \(termNames.joined(separator: ", ")), joined with '+', or none.")
        }
        guard Set(terms).count == terms.count else { throw ConfigError("KD.METHOD: '\(method)' repeats a term") }
        guard !(terms.contains("kl") && terms.contains("skl")) else { throw ConfigError("KD.METHOD: use kl or skl, not both") }
        return terms
    }

    public init(config c: ResolvedConfig) throws {
        terms = try KDConfig.terms(of: c[\KDKeys.method])
        let has = Set(terms)
        if has.contains("kl") || has.contains("skl") { temperature = c[\KDKeys.temperature]; logitWeight = c[\KDKeys.logitWeight] }
        if has.contains("mse") || has.contains("cos") { embedWeight = c[\KDKeys.embedWeight] }
        if has.contains("rkd") { rkdDistanceWeight = c[\KDKeys.rkdDistanceWeight]; rkdAngleWeight = c[\KDKeys.rkdAngleWeight] }
        if has.contains("pkt") { pktWeight = c[\KDKeys.pktWeight] }
        if has.contains("sp") { spWeight = c[\KDKeys.spWeight] }
        if has.contains("hint") { hintWeight = c[\KDKeys.hintWeight]; hintStage = c[\KDKeys.hintStage] }
        if enabled && !needsStages { cache = c[\KDKeys.cache] }
    }
}
