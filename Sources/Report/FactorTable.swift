// The factor table: the grid factors of a sweep are the params that vary across its student runs
// (the backbone keys count as one factor); for each level, the mean ± std of the main metrics
// over the student runs at that level. KD.METHOD also gets a `none` level from the baselines.
import Foundation
import NN
import Distill
import Store

public struct FactorLevel: Codable, Sendable, Equatable {
    public var level: String
    public var runIDs: [Int64]
    public var r1: Estimate?
    public var r5: Estimate?
    public var mAP: Estimate?
    public var mINP: Estimate?
}

public struct Factor: Codable, Sendable, Equatable {
    /// Display name: `backbone`, `KD method`, `T`, `logit weight` …
    public var name: String
    /// The param key(s) it comes from.
    public var keys: [String]
    public var levels: [FactorLevel]
}

public enum FactorTable {
    public static func build(_ records: [RunRecord]) -> [Factor] {
        let students = records.filter { $0.run.role == .student }
        guard students.count > 1 else { return [] }
        let keys = Set(students.flatMap(\.params.keys)).filter { !ParamText.isBookkeeping($0) }
        let varying = keys.filter { k in Set(students.map { $0.params[k] ?? "" }).count > 1 }.sorted()
        var factors: [Factor] = []
        // A key that only changes with the backbone (a per-architecture recipe such as its own
        // optimizer or LR, set in the sweep's `students:` entries) is confounded with it: it
        // joins the backbone factor instead of posing as a factor of its own.
        let byBackbone = Dictionary(grouping: students, by: \.backbone)
        let hasBackbone = !varying.filter(ReportDefaults.backboneKeys.contains).isEmpty
        func followsBackbone(_ k: String) -> Bool {
            hasBackbone && byBackbone.values.allSatisfy { Set($0.map { $0.params[k] ?? "" }).count == 1 }
        }
        let recipe = varying.filter { !ReportDefaults.backboneKeys.contains($0) && followsBackbone($0) }
        if hasBackbone {
            factors.append(factor("backbone", keys: ReportDefaults.backboneKeys.sorted() + recipe, students, level: \.backbone))
        }
        for k in varying where !ReportDefaults.backboneKeys.contains(k) && !recipe.contains(k) {
            var f = factor(displayName(k), keys: [k], students) { $0.params[k] ?? "—" }
            if k == ReportDefaults.methodKey {
                let baselines = records.filter { $0.run.role == .baseline || ($0.run.role != .teacher && $0.kdMethod == "none") }
                if !baselines.isEmpty, !f.levels.contains(where: { $0.level == "none" }) {
                    f.levels.insert(level("none", baselines), at: 0)
                }
            }
            factors.append(f)
        }
        // KD method first, then the weights, then the backbone: the order a reader asks in.
        return factors.sorted { rank($0) < rank($1) }
    }

    static func rank(_ f: Factor) -> Int {
        if f.keys == [ReportDefaults.methodKey] { return 0 }
        if f.name == "backbone" { return 2 }
        return 1
    }

    static func displayName(_ key: String) -> String {
        if key == ReportDefaults.methodKey { return "KD method" }
        if key.hasPrefix("KD.") { return key == LogitKDKeys.shared.temperature.name ? "T" : ParamText.weightName(key) + " weight" }
        return key
    }

    static func factor(_ name: String, keys: [String], _ runs: [RunRecord], level: (RunRecord) -> String) -> Factor {
        var order: [String] = [], byLevel: [String: [RunRecord]] = [:]
        for r in runs {
            let l = level(r)
            if byLevel[l] == nil { order.append(l) }
            byLevel[l, default: []].append(r)
        }
        if order.allSatisfy({ Double($0) != nil }) { order.sort { Double($0)! < Double($1)! } }
        return Factor(name: name, keys: keys, levels: order.map { Self.level(ParamText.short($0), byLevel[$0]!) })
    }

    static func level(_ name: String, _ runs: [RunRecord]) -> FactorLevel {
        func s(_ k: String) -> Estimate? { Estimate(runs.compactMap { $0.value(k) }) }
        return FactorLevel(level: name, runIDs: runs.map(\.run.id), r1: s("R1"), r5: s("R5"), mAP: s("mAP"), mINP: s("mINP"))
    }
}
