// Metric history (every loss term, lr, images/s, each evaluation) and summaries. Writes are
// batched: one transaction and one prepared statement per batch, because a transaction commit is
// what costs (see the `store` bench section). Re-logging a (run, key, step) replaces the value,
// so a run resumed from a checkpoint can repeat steps without duplicating them.
import Foundation

extension ExperimentStore {
    /// Writes `points` for `run` in one transaction and refreshes the run's heartbeat.
    public func logMetrics(run: Int64, _ points: [MetricPoint]) throws {
        guard !points.isEmpty else { return }
        try write("logging \(points.count) metrics for run \(run)") { db in
            try Self.insertMetrics(db, run: run, points)
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(db.dialect.now) WHERE id = ?", arguments: [run])
        }
    }

    /// One metric in its own transaction. Convenient for rare values; use `logMetrics` or a
    /// `MetricsBuffer` for per-step losses.
    public func logMetric(run: Int64, key: String, step: Int, epoch: Int, value: Double) throws {
        try logMetrics(run: run, [MetricPoint(key: key, step: step, epoch: epoch, value: value)])
    }

    /// The series of `key` for `run`, by step.
    public func metricSeries(run: Int64, key: String) throws -> [MetricPoint] {
        try read("reading metric '\(key)' of run \(run)") { db in
            try db.fetchAll(sql: "SELECT * FROM metrics WHERE run_id = ? AND key = ? ORDER BY step",
                             arguments: [run, key]).map(Self.point(from:))
        }
    }

    /// The series of `key` for several runs (curves of a sweep), keyed by run id.
    public func metricSeries(runs: [Int64], key: String) throws -> [Int64: [MetricPoint]] {
        var out: [Int64: [MetricPoint]] = [:]
        for r in runs { out[r] = try metricSeries(run: r, key: key) }
        return out
    }

    /// Every run of `sweep` in `roles` that logged `key` at `epoch`, with that value (the last
    /// step's, when logged more than once in the epoch): what an early-stopping rule compares.
    public func metricAtEpoch(sweep: Int64, key: String, epoch: Int, roles: Set<RunRole>) throws -> [(run: Int64, value: Double)] {
        try read("reading '\(key)' at epoch \(epoch) of sweep \(sweep)") { db in
            let r = roles.map(\.rawValue).sorted()
            var args: SQLArguments = [sweep, key, epoch]
            args += r.map { $0 }
            let rows = try db.fetchAll(sql: """
                SELECT m.run_id AS run_id, m.value AS value FROM metrics m JOIN runs ON runs.id = m.run_id
                WHERE runs.sweep_id = ? AND m.key = ? AND m.epoch = ? AND runs.role IN (\(r.map { _ in "?" }.joined(separator: ",")))
                  AND m.step = (SELECT MAX(step) FROM metrics WHERE run_id = m.run_id AND key = m.key AND epoch = m.epoch)
                ORDER BY m.run_id
                """, arguments: args)
            return rows.compactMap { row in (row["value"] as Double?).map { (run: row["run_id"], value: $0) } }
        }
    }

    /// Metric keys logged by `run`, sorted.
    public func metricKeys(run: Int64) throws -> [String] {
        try read("listing metric keys of run \(run)") { db in
            try db.fetchAll(String.self, sql: "SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key", arguments: [run])
        }
    }

    /// The last-step value of every key of `run` (the latest, not the best: best values belong
    /// in the summary under their own key).
    public func latestMetrics(run: Int64) throws -> [String: MetricPoint] {
        try read("reading latest metrics of run \(run)") { db in
            let rows = try db.fetchAll(sql: """
                SELECT m.* FROM metrics m
                JOIN (SELECT key, MAX(step) AS step FROM metrics WHERE run_id = ? GROUP BY key) last
                  ON m.key = last.key AND m.step = last.step
                WHERE m.run_id = ?
                """, arguments: [run, run])
            var out: [String: MetricPoint] = [:]
            for r in rows { let p = Self.point(from: r); out[p.key] = p }
            return out
        }
    }

    /// Number of metric rows of `run` (or of the whole store).
    public func metricCount(run: Int64? = nil) throws -> Int {
        try read("counting metrics") { db in
            if let run { return try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM metrics WHERE run_id = ?", arguments: [run]) ?? 0 }
            return try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM metrics") ?? 0
        }
    }

    static func point(from r: SQLRow) -> MetricPoint {
        MetricPoint(key: r["key"], step: r["step"], epoch: r["epoch"], value: (r["value"] as Double?) ?? .nan, wallTime: r["wall_time"])
    }

    // MARK: Summary

    /// Writes (or overwrites) final values of `run`: R1/R5/R10/mAP/mINP, params, FLOPs, latency,
    /// peak RSS … One transaction.
    public func setSummary(run: Int64, _ values: [String: Double]) throws {
        try write("writing the summary of run \(run)") { db in try Self.upsertSummary(db, run: run, values) }
    }

    /// The summary of `run` (NaN for values stored as NULL).
    public func summary(run: Int64) throws -> [String: Double] {
        try read("reading the summary of run \(run)") { db in
            var out: [String: Double] = [:]
            for r in try db.fetchAll(sql: "SELECT key, value FROM summary WHERE run_id = ?", arguments: [run]) {
                out[r["key"]] = (r["value"] as Double?) ?? .nan
            }
            return out
        }
    }

    /// The flattened config of `run`.
    public func params(run: Int64) throws -> [String: String] {
        try read("reading the params of run \(run)") { db in
            var out: [String: String] = [:]
            for r in try db.fetchAll(sql: "SELECT key, value FROM params WHERE run_id = ?", arguments: [run]) {
                out[r["key"]] = r["value"]
            }
            return out
        }
    }

    /// Finished runs matching `filter` that have summary `metric`, best first (ties: lower id
    /// first). Runs without the metric, or with NaN, are left out. This is the "best run" rule.
    public func ranked(by metric: String, goal: Goal = .maximize, filter: RunFilter = RunFilter()) throws -> [(run: Run, value: Double)] {
        var f = filter
        f.statuses = [.finished]
        return try read("ranking runs by '\(metric)'") { db in
            let (whereSQL, args) = Self.whereClause(f, alias: "runs")
            var all: SQLArguments = [metric]
            all += args
            let order = goal == .maximize ? "DESC" : "ASC"
            let rows = try db.fetchAll(sql: """
                SELECT runs.*, s.value AS summary_value FROM runs
                JOIN summary s ON s.run_id = runs.id AND s.key = ? AND s.value IS NOT NULL
                \(whereSQL) ORDER BY s.value \(order), runs.id
                """, arguments: all)
            return try rows.map { (try Self.run(from: $0), $0["summary_value"] as Double) }
        }
    }
}

/// Collects metric points in memory and writes them in one transaction every `flushEvery`
/// points (and on `flush()`), so a trainer can log every loss term at every step cheaply.
/// Not thread-safe: one buffer per training loop. Call `flush()` before marking the run finished.
/// A trainer that checkpoints commits each epoch's rows with its checkpoint instead
/// (`commitCheckpoint`): rows buffered past a checkpoint would be lost by a kill.
public final class MetricsBuffer {
    public let store: ExperimentStore
    public let run: Int64
    public let flushEvery: Int
    public private(set) var pending: [MetricPoint] = []

    public init(store: ExperimentStore, run: Int64, flushEvery: Int = 256) {
        self.store = store; self.run = run; self.flushEvery = max(1, flushEvery)
    }

    public func add(_ key: String, step: Int, epoch: Int, value: Double) throws {
        pending.append(MetricPoint(key: key, step: step, epoch: epoch, value: value))
        if pending.count >= flushEvery { try flush() }
    }

    /// Adds several named terms of one step (e.g. a loss's `loss_ce`, `loss_kd` …).
    public func add(_ terms: [String: Double], step: Int, epoch: Int) throws {
        let now = Date().timeIntervalSince1970
        for (k, v) in terms.sorted(by: { $0.key < $1.key }) {
            pending.append(MetricPoint(key: k, step: step, epoch: epoch, value: v, wallTime: now))
        }
        if pending.count >= flushEvery { try flush() }
    }

    public func flush() throws {
        guard !pending.isEmpty else { return }
        try store.logMetrics(run: run, pending)
        pending.removeAll(keepingCapacity: true)
    }
}
