// The registry of distillation terms: one line per term. KD.METHOD names terms from it, joined
// with '+'. Tests may register a term of their own (`register`), which the schema then includes.
import Foundation
import Config

public enum DistillTerms {
    nonisolated(unsafe) private static var entries: [DistillTermEntry] = [
        LogitMatchTerm.kl,
        LogitMatchTerm.skl,
        LogitMatchTerm.js,
        DKDTerm.entry,
        EmbeddingMatchTerm.mse,
        EmbeddingMatchTerm.cos,
        RKDTerm.entry,
        EmbeddingRelationTerm.pkt,
        EmbeddingRelationTerm.sp,
        HintTerm.entry,
        OverhaulTerm.entry,
        CRDTerm.entry,
    ]
    private static let lock = NSLock()
    nonisolated(unsafe) private(set) static var generation = 0

    public static var all: [DistillTermEntry] { lock.lock(); defer { lock.unlock() }; return entries }
    public static var names: [String] { all.map(\.name) }

    public static func entry(named name: String) -> DistillTermEntry? { all.first { $0.name == name } }

    /// Adds (or replaces) a term; the run schema picks up its keys.
    public static func register(_ e: DistillTermEntry) {
        lock.lock()
        entries.removeAll { $0.name == e.name }
        entries.append(e)
        generation += 1
        lock.unlock()
    }

    /// Removes a term added with `register` (tests).
    public static func unregister(_ name: String) {
        lock.lock()
        entries.removeAll { $0.name == name }
        generation += 1
        lock.unlock()
    }

    /// Every key group of every term, each once, in registry order.
    public static var keyGroups: [any ConfigKeyGroup.Type] {
        var seen = Set<ObjectIdentifier>(), out: [any ConfigKeyGroup.Type] = []
        for e in all { for g in e.keys where seen.insert(ObjectIdentifier(g)).inserted { out.append(g) } }
        return out
    }

    /// One line per term for KD.METHOD's help.
    public static var helpText: String { all.map { "\($0.name) (\($0.help))" }.joined(separator: ", ") }
}
