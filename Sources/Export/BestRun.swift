// Which run to export. "Best" = among the *finished* runs of role student or baseline (a
// baseline is a student trained without distillation; both are deployable students, the
// teacher is not a candidate), the highest summary metric (R1/R5/R10/mAP/mINP are percent);
// ties go to the run with fewer `gflops`, then to the lower run id. Metrics where smaller is
// better (latency, size) are ranked ascending.
import Foundation
import Store
import Support

public struct ExportSelection: Sendable {
    public let run: Run
    public let sweep: Sweep?
    /// The run's value of the ranking metric (nil for an explicit --run without it).
    public let value: Double?
    public let metric: String
    /// How many candidates were ranked (0 for an explicit --run).
    public let candidates: Int
}

public enum BestRun {
    /// Summary keys where smaller is better.
    public static let smallerIsBetter: Set<String> = ["gflops", "params_M", "latency_ms_b1", "peak_rss_mib"]

    /// The best finished student/baseline of `sweep` by `metric` (ties → fewer gflops → lower id).
    public static func select(store: ExperimentStore, sweep: Sweep, metric: String) throws -> ExportSelection {
        let goal: Goal = smallerIsBetter.contains(metric) ? .minimize : .maximize
        let ranked = try store.ranked(by: metric, goal: goal, filter: RunFilter(sweep: sweep.id, roles: [.student, .baseline]))
        guard let top = ranked.first else { throw try emptyError(store: store, sweep: sweep, metric: metric) }
        // Every run tied with the top value; the store already orders by value, then id.
        let tied = ranked.filter { $0.value == top.value }
        var best = top, bestFlops = Double.infinity
        for t in tied {
            let f = try store.summary(run: t.run.id)["gflops"].flatMap { $0.isNaN ? nil : $0 } ?? .infinity
            if f < bestFlops || (f == bestFlops && t.run.id < best.run.id) { best = t; bestFlops = f }
        }
        return ExportSelection(run: best.run, sweep: sweep, value: best.value, metric: metric, candidates: ranked.count)
    }

    /// The sweep to pick from: the named one, or the newest sweep of the store.
    public static func sweep(store: ExperimentStore, named name: String?) throws -> Sweep {
        if let name { return try store.requireSweep(named: name) }
        guard let newest = try store.sweeps().last else {
            throw ExportError("\(store.path) holds no sweep: run one first (`reidkd sweep FILE`), or export a standalone run with --run ID")
        }
        return newest
    }

    /// An explicit run: must exist and be finished (only a finished run has its final checkpoint).
    public static func run(store: ExperimentStore, id: Int64, metric: String) throws -> ExportSelection {
        let run = try store.run(id)
        guard run.status == .finished else {
            throw ExportError("run \(id) (\(run.name)) is \(run.status.rawValue), not finished: only a finished run can be exported; `reidkd runs list` shows the finished ones")
        }
        let sweep = try run.sweepID.flatMap { sid in try store.sweeps().first { $0.id == sid } }
        let v = try store.summary(run: id)[metric]
        return ExportSelection(run: run, sweep: sweep, value: v, metric: metric, candidates: 0)
    }

    /// Why nothing could be ranked: no students at all, none finished, or the metric is unknown.
    static func emptyError(store: ExperimentStore, sweep: Sweep, metric: String) throws -> ExportError {
        let students = try store.runs(RunFilter(sweep: sweep.id, roles: [.student, .baseline]))
        if students.isEmpty {
            return ExportError("sweep '\(sweep.name)' in \(store.path) has no student or baseline runs: nothing to export")
        }
        let finished = students.filter { $0.status == .finished }
        if finished.isEmpty {
            let tally = Dictionary(grouping: students, by: \.status.rawValue).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
            return ExportError("sweep '\(sweep.name)' has no finished student or baseline run (\(tally)): finish the sweep (`reidkd sweep FILE` resumes it) before exporting")
        }
        var keys = Set<String>()
        for r in finished { keys.formUnion(try store.summary(run: r.id).keys) }
        let hint = Suggest.closest(to: metric, in: Array(keys)).map { " — did you mean '\($0)'?" } ?? ""
        return ExportError("no finished student or baseline run of sweep '\(sweep.name)' has summary metric '\(metric)'\(hint); available: \(keys.sorted().joined(separator: ", "))")
    }
}
