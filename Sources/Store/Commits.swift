// The durable steps of a run, each one transaction so a kill leaves either all of it or none:
// an epoch's checkpoint (its metric rows and the checkpoint's artifact record), and the end of
// a run (summary, artifact records and the `finished` status). Both are idempotent, so a resumed
// run can commit the same step again.
import Foundation
import Support

extension ArtifactFile {
    /// Hashes the file at `path` (for the artifact record), under its absolute path.
    public static func hashing(kind: String, file relative: String) throws -> ArtifactFile {
        let path = URL(fileURLWithPath: relative).standardizedFileURL.path
        do {
            let (digest, bytes) = try SHA256.file(at: path)
            return ArtifactFile(kind: kind, path: path, sha256: digest, bytes: bytes)
        } catch let e as FileHashError {
            throw StoreError.unreadableArtifact(path: e.path, message: e.message)
        }
    }
}

extension ExperimentStore {
    /// Commits an epoch of a running run: its metric rows (upserted by run, key and step) and
    /// the checkpoint's artifact record, plus a heartbeat. Throws `invalidTransition` when the
    /// run is not `running` (re-queued and taken by another worker: this one must stop).
    public func commitCheckpoint(run: Int64, metrics: [MetricPoint], checkpoint: ArtifactFile) throws {
        try write("committing a checkpoint of run \(run)") { db in
            try Self.requireRunning(db, run, to: .running, path: path)
            try Self.insertMetrics(db, run: run, metrics)
            try Self.upsertArtifact(db, run: run, checkpoint)
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(db.dialect.now) WHERE id = ?", arguments: [run])
        }
    }

    /// Ends a running run as `finished` (or `pruned`, stopped early by the sweep's rule, with why
    /// in `note`) together with its summary and artifact records, in one transaction (a kill
    /// before it leaves the run `running`, to be resumed; after it, all is there).
    public func finish(run: Int64, summary: [String: Double], artifacts: [ArtifactFile],
                       as status: RunStatus = .finished, note: String? = nil) throws {
        precondition(status == .finished || status == .pruned, "finish: a run ends finished or pruned")
        try write("finishing run \(run)") { db in
            try Self.requireRunning(db, run, to: status, path: path)
            try Self.upsertSummary(db, run: run, summary)
            for a in artifacts { try Self.upsertArtifact(db, run: run, a) }
            try db.execute(sql: "UPDATE runs SET status = ?, error = ?, finished_at = \(db.dialect.now), heartbeat_at = \(db.dialect.now) WHERE id = ?",
                           arguments: [status.rawValue, note, run])
        }
    }

    static func requireRunning(_ db: SQLConnection, _ id: Int64, to status: RunStatus, path: String) throws {
        guard let current = try db.fetchOne(String.self, sql: "SELECT status FROM runs WHERE id = ?\(db.dialect.forUpdate)", arguments: [id])
            .flatMap(RunStatus.init(rawValue:)) else { throw StoreError.unknownRun(id: id, path: path) }
        guard current == .running else { throw StoreError.invalidTransition(run: id, from: current, to: status) }
    }

    /// Upserts metric rows by (run, key, step). A batch that repeats a (key, step) keeps its last
    /// value, as row-by-row upserts would (one multi-row PostgreSQL statement may not touch a row twice).
    static func insertMetrics(_ db: SQLConnection, run: Int64, _ points: [MetricPoint]) throws {
        var last: [String: Int] = [:], rows: [[SQLValue]] = []
        for p in points {
            let row: [SQLValue] = [.integer(run), .text(p.key), .integer(Int64(p.step)), .integer(Int64(p.epoch)),
                                   p.value.isNaN ? .null : .real(p.value), .real(p.wallTime)]
            let id = "\(p.step)\u{1}\(p.key)"
            if let i = last[id] { rows[i] = row } else { last[id] = rows.count; rows.append(row) }
        }
        try db.insertMany("INSERT INTO metrics (run_id, key, step, epoch, value, wall_time)", width: 6, rows: rows, tail: """
            ON CONFLICT(run_id, key, step) DO UPDATE SET epoch = excluded.epoch, value = excluded.value,
                wall_time = excluded.wall_time
            """)
    }

    static func upsertArtifact(_ db: SQLConnection, run: Int64, _ a: ArtifactFile) throws {
        try db.execute(sql: """
            INSERT INTO artifacts (run_id, kind, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(run_id, path) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256,
                bytes = excluded.bytes, created_at = \(db.dialect.now)
            """, arguments: [run, a.kind, a.path, a.sha256, a.bytes])
    }

    static func upsertSummary(_ db: SQLConnection, run: Int64, _ values: [String: Double]) throws {
        let rows: [[SQLValue]] = values.sorted(by: { $0.key < $1.key }).map { k, v in [.integer(run), .text(k), v.isNaN ? .null : .real(v)] }
        try db.insertMany("INSERT INTO summary (run_id, key, value)", width: 3, rows: rows,
                          tail: "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value")
    }

    // MARK: Where a sweep's files are

    /// Records where `sweep`'s files are (replacing what an earlier `reidkd sweep` recorded).
    public func recordLaunch(sweep: Int64, _ launch: SweepLaunch) throws {
        try write("recording where sweep \(sweep) lives") { db in
            try db.execute(sql: "UPDATE sweeps SET workdir = ?, spec_path = ?, results_root = ? WHERE id = ?",
                           arguments: [launch.workdir, launch.specPath, launch.resultsRoot, sweep])
        }
    }

    /// Where `sweep`'s files are; nil for a sweep recorded before this was kept.
    public func launch(sweep: Int64) throws -> SweepLaunch? {
        try read("reading where sweep \(sweep) lives") { db in
            guard let row = try db.fetchOne(sql: "SELECT workdir, spec_path, results_root FROM sweeps WHERE id = ?", arguments: [sweep]),
                  let w: String = row["workdir"], let s: String = row["spec_path"], let r: String = row["results_root"] else { return nil }
            return SweepLaunch(workdir: w, specPath: s, resultsRoot: r)
        }
    }

    /// The folder that reports and exports of `sweep` go under by default: the SQLite file's own
    /// folder (`results/`); for a PostgreSQL store, which has no folder, the results root the
    /// sweep was launched with (absolute), else `results`.
    public func resultsFolder(for sweep: Sweep?) throws -> String {
        guard case .postgres = location else { return (path as NSString).deletingLastPathComponent }
        guard let sweep, let l = try launch(sweep: sweep.id) else { return StoreDefaults.resultsRoot }
        return l.resultsRoot.hasPrefix("/") ? l.resultsRoot : "\(l.workdir)/\(l.resultsRoot)"
    }
}
