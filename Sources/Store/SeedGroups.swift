// Seeds as first-class: runs whose flattened configs differ only in their seed form one group,
// reported as mean ± standard deviation over n seeds of a summary metric. This is what
// "a distilled student beats its baseline by more than the spread between seeds" is judged on.
import Foundation

/// Runs that share every param except the seed, with the statistics of one summary metric.
public struct SeedGroup: Sendable {
    /// The shared params (seed keys removed), sorted by key.
    public let params: [(key: String, value: String)]
    public let role: RunRole
    public let runs: [Run]
    /// The metric value of each run, in `runs` order.
    public let values: [Double]
    public var n: Int { values.count }
    public var mean: Double { values.reduce(0, +) / Double(max(1, n)) }
    /// Sample standard deviation (n − 1); 0 for a single run.
    public var std: Double {
        guard n > 1 else { return 0 }
        let m = mean
        return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n - 1)).squareRoot()
    }
}

extension ExperimentStore {
    /// Params that name where a run writes, different for every run by construction.
    public static let runLocalKeys: Set<String> = ["OUTPUT_DIR"]

    /// Groups the finished runs matching `filter` that have summary `metric` by (role, params
    /// without seed keys). A key is a seed key when it is in `seedKeys`, or is `seed`, or ends in
    /// `.seed` (any case, so the config's `SEED`), or is a per-run location (`runLocalKeys`).
    /// Groups come in the order of their first run.
    public func seedGroups(metric: String, filter: RunFilter = RunFilter(), seedKeys: Set<String> = []) throws -> [SeedGroup] {
        let ranked = try ranked(by: metric, filter: filter).sorted { $0.run.id < $1.run.id }
        func isSeed(_ k: String) -> Bool {
            let l = k.lowercased()
            return seedKeys.contains(k) || Self.runLocalKeys.contains(k) || l == "seed" || l.hasSuffix(".seed")
        }
        var order: [String] = []
        var groups: [String: (params: [(key: String, value: String)], role: RunRole, runs: [Run], values: [Double])] = [:]
        for (run, value) in ranked {
            let shared = try params(run: run.id).filter { !isSeed($0.key) }.sorted { $0.key < $1.key }
                .map { (key: $0.key, value: $0.value) }
            let signature = run.role.rawValue + "\u{1}" + shared.map { $0.key + "=" + $0.value }.joined(separator: "\u{1}")
            if groups[signature] == nil { order.append(signature); groups[signature] = (shared, run.role, [], []) }
            groups[signature]!.runs.append(run)
            groups[signature]!.values.append(value)
        }
        return order.map { let g = groups[$0]!; return SeedGroup(params: g.params, role: g.role, runs: g.runs, values: g.values) }
    }
}
