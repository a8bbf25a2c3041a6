// `reidkd store copy`: a sweep moves between stores (SQLite ↔ PostgreSQL, or two of a kind) with
// all its rows — the sweep, its runs, params, metrics, summaries and artifact records. Ids are
// the target's own (every run gets a new id; rows follow their run). One read of the source,
// one transaction in the target: a failed copy leaves nothing behind. Copying again is a
// no-op when the target already holds the same sweep (same run names, config hashes, statuses
// and row counts), and refused, with what differs, when it holds a different sweep of that name.
// Timestamps travel as ISO-8601 UTC text with milliseconds (what SQLite stores; PostgreSQL
// parses it). A run that was `running` arrives `interrupted`: its worker holds a lease in the
// source, not in the target, and a re-run resumes it from its last checkpoint.
import Foundation

/// What `copySweep` did.
public struct SweepCopy: Sendable, Equatable {
    public let sweep: String
    /// False when the target already held this sweep, identical.
    public let copied: Bool
    public let runs: Int, metrics: Int, params: Int, summaries: Int, artifacts: Int
    /// Source run id → target run id.
    public let runIDs: [Int64: Int64]
}

extension ExperimentStore {
    static let runCopyColumns = ["name", "role", "status", "config", "config_hash", "seed", "code_version", "dataset_fingerprint",
                                 "host", "pid", "threads", "created_at", "started_at", "finished_at", "heartbeat_at", "attempts",
                                 "error", "blas", "cpu", "lease", "job"]

    /// Copies sweep `name` with all its rows into `target` (see the file comment).
    public func copySweep(named name: String, to target: ExperimentStore) throws -> SweepCopy {
        let sweep = try requireSweep(named: name)
        struct Snapshot { var sweep: SQLRow; var runs: [SQLRow]; var params, metrics, summary, artifacts: [SQLRow] }
        let snap = try read("reading sweep '\(name)' to copy it") { db -> Snapshot in
            let where_ = "run_id IN (SELECT id FROM runs WHERE sweep_id = ?)"
            return Snapshot(
                sweep: try db.fetchOne(sql: "SELECT * FROM sweeps WHERE id = ?", arguments: [sweep.id])!,
                runs: try db.fetchAll(sql: "SELECT * FROM runs WHERE sweep_id = ? ORDER BY id", arguments: [sweep.id]),
                params: try db.fetchAll(sql: "SELECT run_id, key, value FROM params WHERE \(where_)", arguments: [sweep.id]),
                metrics: try db.fetchAll(sql: "SELECT run_id, key, step, epoch, value, wall_time FROM metrics WHERE \(where_)", arguments: [sweep.id]),
                summary: try db.fetchAll(sql: "SELECT run_id, key, value FROM summary WHERE \(where_)", arguments: [sweep.id]),
                artifacts: try db.fetchAll(sql: "SELECT run_id, kind, path, sha256, bytes, created_at FROM artifacts WHERE \(where_) ORDER BY id", arguments: [sweep.id]))
        }
        func count(_ rows: [SQLRow]) -> [Int64: Int] { rows.reduce(into: [:]) { $0[$1["run_id"] as Int64, default: 0] += 1 } }
        let counts = (params: count(snap.params), metrics: count(snap.metrics), summary: count(snap.summary), artifacts: count(snap.artifacts))
        func copied(_ status: String) -> String { status == RunStatus.running.rawValue ? RunStatus.interrupted.rawValue : status }

        return try target.write("copying sweep '\(name)' from \(path)") { db in
            if let existing = try db.fetchOne(Int64.self, sql: "SELECT id FROM sweeps WHERE name = ?\(db.dialect.forUpdate)", arguments: [name]) {
                // Same sweep already there? Compare run by run.
                let theirs = try db.fetchAll(sql: """
                    SELECT r.id, r.name, r.config_hash, r.status,
                      (SELECT COUNT(*) FROM params p WHERE p.run_id = r.id) AS n_params,
                      (SELECT COUNT(*) FROM metrics m WHERE m.run_id = r.id) AS n_metrics,
                      (SELECT COUNT(*) FROM summary s WHERE s.run_id = r.id) AS n_summary,
                      (SELECT COUNT(*) FROM artifacts a WHERE a.run_id = r.id) AS n_artifacts
                    FROM runs r WHERE r.sweep_id = ? ORDER BY r.id
                    """, arguments: [existing])
                let byName = Dictionary(theirs.map { ($0["name"] as String, $0) }, uniquingKeysWith: { a, _ in a })
                var differences: [String] = []
                if theirs.count != snap.runs.count { differences.append("\(theirs.count) runs there, \(snap.runs.count) here") }
                var ids: [Int64: Int64] = [:]
                for r in snap.runs {
                    let id: Int64 = r["id"], runName: String = r["name"]
                    guard let t = byName[runName] else { differences.append("run \(runName) missing there"); continue }
                    ids[id] = t["id"]
                    let mine: [(String, String)] = [
                        ("config hash", r["config_hash"]), ("status", copied(r["status"])),
                        ("params", "\(counts.params[id] ?? 0)"), ("metric rows", "\(counts.metrics[id] ?? 0)"),
                        ("summary values", "\(counts.summary[id] ?? 0)"), ("artifacts", "\(counts.artifacts[id] ?? 0)")]
                    let there: [String] = [t["config_hash"], t["status"], "\(t["n_params"] as Int)", "\(t["n_metrics"] as Int)",
                                           "\(t["n_summary"] as Int)", "\(t["n_artifacts"] as Int)"]
                    for ((what, a), b) in zip(mine, there) where a != b { differences.append("run \(runName): \(what) \(b) there, \(a) here") }
                }
                guard differences.isEmpty else {
                    let shown = differences.prefix(3).joined(separator: "; ") + (differences.count > 3 ? "; … (\(differences.count) differences)" : "")
                    throw StoreError.copyConflict(sweep: name, target: target.path, differences: shown)
                }
                return SweepCopy(sweep: name, copied: false, runs: snap.runs.count, metrics: snap.metrics.count, params: snap.params.count,
                                 summaries: snap.summary.count, artifacts: snap.artifacts.count, runIDs: ids)
            }
            let s = snap.sweep
            let sweepID = try db.fetchOne(Int64.self, sql: """
                INSERT INTO sweeps (name, spec, created_at, workdir, spec_path, results_root) VALUES (?, ?, ?, ?, ?, ?) RETURNING id
                """, arguments: [s["name"] as String, s["spec"] as String, Self.isoTime(s["created_at"]) ?? Self.isoTime(Date()),
                                 s["workdir"] as String?, s["spec_path"] as String?, s["results_root"] as String?])!
            var ids: [Int64: Int64] = [:]
            let columns = Self.runCopyColumns
            let insertRun = "INSERT INTO runs (sweep_id, \(columns.joined(separator: ", "))) VALUES (?\(String(repeating: ", ?", count: columns.count))) RETURNING id"
            for r in snap.runs {
                var args: [SQLValue] = [.integer(sweepID)]
                for c in columns {
                    var v = r.value(c) ?? .null
                    if c.hasSuffix("_at") { v = Self.isoTime(r[c]).map(SQLValue.text) ?? .null }
                    if c == "status", case .text(let st) = v { v = .text(copied(st)) }
                    if c == "lease" { v = .null }
                    if c == "error", r["status"] as String == RunStatus.running.rawValue {
                        v = .text("copied from \(path) while running; a re-run resumes it from its last checkpoint")
                    }
                    args.append(v)
                }
                ids[r["id"]] = try db.run(insertRun, args).rows.first.flatMap { $0.values.first.flatMap(Int64.read) }!
            }
            func remapped(_ rows: [SQLRow], _ keep: [String]) -> [[SQLValue]] {
                rows.map { row in
                    [.integer(ids[row["run_id"] as Int64]!)] + keep.map { c in
                        c.hasSuffix("_at") ? (Self.isoTime(row[c]).map(SQLValue.text) ?? .null) : (row.value(c) ?? .null)
                    }
                }
            }
            try db.insertMany("INSERT INTO params (run_id, key, value)", width: 3, rows: remapped(snap.params, ["key", "value"]), tail: "")
            try db.insertMany("INSERT INTO metrics (run_id, key, step, epoch, value, wall_time)", width: 6,
                              rows: remapped(snap.metrics, ["key", "step", "epoch", "value", "wall_time"]), tail: "")
            try db.insertMany("INSERT INTO summary (run_id, key, value)", width: 3, rows: remapped(snap.summary, ["key", "value"]), tail: "")
            try db.insertMany("INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at)", width: 6,
                              rows: remapped(snap.artifacts, ["kind", "path", "sha256", "bytes", "created_at"]), tail: "")
            return SweepCopy(sweep: name, copied: true, runs: snap.runs.count, metrics: snap.metrics.count, params: snap.params.count,
                             summaries: snap.summary.count, artifacts: snap.artifacts.count, runIDs: ids)
        }
    }

    /// A stored timestamp (either backend's text) as ISO-8601 UTC with milliseconds; nil for nil.
    static func isoTime(_ text: String?) -> String? { StoreTime.parse(text).map(isoTime) }

    static func isoTime(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}
