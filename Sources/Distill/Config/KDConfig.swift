// KD.METHOD parsed against the term registry, and KD.CACHE. The terms' own keys are read when
// the terms are built (DistillObjective).
import Foundation
import Support
import Config

public struct KDConfig: Sendable, Equatable {
    /// Registry names, in KD.METHOD order.
    public var terms: [String]
    /// KD.CACHE; read only when every term's needs are cacheable.
    public var cache = false
    /// What the terms need, together.
    public var needs: TermNeeds
    /// KD.TEACHER ema: the decay of the student's moving average that serves as the teacher.
    public var emaDecay: Double?

    public var enabled: Bool { !terms.isEmpty }
    /// Whether the run needs a teacher from outside (a file or the sweep's teacher stage).
    public var needsGivenTeacher: Bool { enabled && emaDecay == nil }
    /// Whether the teacher must produce stage maps (these are never cached).
    public var needsStages: Bool { needs.contains(.stages) || needs.contains(.preReLUStages) }

    /// The terms of a KD.METHOD text; throws on an unknown or repeated term.
    public static func terms(of methodText: String) throws -> [String] {
        let method = methodText.lowercased()
        let terms = method == "none" || method.isEmpty ? [] : method.split(separator: "+").map { String($0).trimmingCharacters(in: .whitespaces) }
        let names = DistillTerms.names
        for t in terms where DistillTerms.entry(named: t) == nil {
            throw ConfigError("KD.METHOD: unknown term '\(t)'\(Suggest.phrase(for: t, in: names)) Valid terms: \(names.joined(separator: ", ")), joined with '+', or none.")
        }
        guard Set(terms).count == terms.count else { throw ConfigError("KD.METHOD: '\(method)' repeats a term") }
        return terms
    }

    public init(config c: ResolvedConfig) throws {
        terms = try KDConfig.terms(of: c[\KDKeys.method])
        needs = terms.reduce(TermNeeds()) { $0.union(DistillTerms.entry(named: $1)!.needs) }
        guard enabled else { return }
        if c[\KDKeys.teacher] == "ema" {
            emaDecay = c[\KDKeys.emaDecay]    // a moving teacher: nothing to cache
        } else if needs.isCacheable {
            cache = c[\KDKeys.cache]
        }
    }
}
