// The durable steps of a run, each one transaction so a kill leaves either all of it or none:
// an epoch's checkpoint (its metric rows and the checkpoint's artifact record), and the end of
// a run (summary, artifact records and the `finished` status). Both are idempotent, so a resumed
// run can commit the same step again.
import Foundation
import Support
import GRDB

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
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(Schema.now) WHERE id = ?", arguments: [run])
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
            try db.execute(sql: "UPDATE runs SET status = ?, error = ?, finished_at = \(Schema.now), heartbeat_at = \(Schema.now) WHERE id = ?",
                           arguments: [status.rawValue, note, run])
        }
    }

    static func requireRunning(_ db: Database, _ id: Int64, to status: RunStatus, path: String) throws {
        guard let current = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [id])
            .flatMap(RunStatus.init(rawValue:)) else { throw StoreError.unknownRun(id: id, path: path) }
        guard current == .running else { throw StoreError.invalidTransition(run: id, from: current, to: status) }
    }

    static func insertMetrics(_ db: Database, run: Int64, _ points: [MetricPoint]) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO metrics (run_id, key, step, epoch, value, wall_time) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(run_id, key, step) DO UPDATE SET epoch = excluded.epoch, value = excluded.value,
                wall_time = excluded.wall_time
            """)
        for p in points {
            try insert.execute(arguments: [run, p.key, p.step, p.epoch, p.value.isNaN ? nil : p.value, p.wallTime])
        }
    }

    static func upsertArtifact(_ db: Database, run: Int64, _ a: ArtifactFile) throws {
        try db.execute(sql: """
            INSERT INTO artifacts (run_id, kind, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(run_id, path) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256,
                bytes = excluded.bytes, created_at = \(Schema.now)
            """, arguments: [run, a.kind, a.path, a.sha256, a.bytes])
    }

    static func upsertSummary(_ db: Database, run: Int64, _ values: [String: Double]) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO summary (run_id, key, value) VALUES (?, ?, ?)
            ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value
            """)
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { try upsert.execute(arguments: [run, k, v.isNaN ? nil : v]) }
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
            guard let row = try Row.fetchOne(db, sql: "SELECT workdir, spec_path, results_root FROM sweeps WHERE id = ?", arguments: [sweep]),
                  let w: String = row["workdir"], let s: String = row["spec_path"], let r: String = row["results_root"] else { return nil }
            return SweepLaunch(workdir: w, specPath: s, resultsRoot: r)
        }
    }
}
