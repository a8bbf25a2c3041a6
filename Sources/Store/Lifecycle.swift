// Run lifecycle: the atomic claim that lets several worker processes drain one sweep, the status
// changes, the heartbeat, and the reset that makes a sweep resumable (liveness: Leases.swift).
import Foundation

extension ExperimentStore {
    /// Atomically takes the oldest queued run (of `sweep`, of one of `roles` if given), marks it
    /// `running` with this worker's host/pid/threads/lease and start time, and returns it; nil when
    /// none is queued. One `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *`, inside an
    /// IMMEDIATE transaction on SQLite, with the inner SELECT `FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL: two processes can never claim the same run. With
    /// `studentsWaitForTeacher`, a distilled student is only taken once every teacher run of its
    /// sweep is finished with a recorded model (the file alone may be half-trained).
    public func claimNextRun(sweep: Int64?, roles: Set<RunRole>? = nil, worker: WorkerInfo = .current(),
                             studentsWaitForTeacher: Bool = false) throws -> Run? {
        try write("claiming the next queued run") { db in
            let (whereSQL, args) = Self.claimableWhere(sweep: sweep, roles: roles, teacherGate: studentsWaitForTeacher, dialect: db.dialect)
            var all: SQLArguments = [worker.host, worker.pid, worker.threads, worker.blas, worker.cpu, worker.lease, worker.job]
            all += args
            // PostgreSQL: concurrent claimers skip the row another one has locked and take the next.
            let row = try db.fetchOne(sql: """
                UPDATE runs SET status = 'running', started_at = \(db.dialect.now), heartbeat_at = \(db.dialect.now),
                    finished_at = NULL, error = NULL, host = ?, pid = ?, threads = COALESCE(?, threads),
                    blas = COALESCE(?, blas), cpu = COALESCE(?, cpu), lease = ?, job = ?, attempts = attempts + 1
                WHERE id = (SELECT q.id FROM runs q \(whereSQL) ORDER BY q.id LIMIT 1\(db.dialect.skipLocked))
                RETURNING *
                """, arguments: all)
            return try row.map(Self.run(from:))
        }
    }

    /// The run `claimNextRun(…, studentsWaitForTeacher: true)` would take next, without taking
    /// it, skipping `excluding` (runs a supervisor has already handed to a worker).
    public func nextClaimableRun(sweep: Int64, roles: Set<RunRole>? = nil, excluding: Set<Int64> = []) throws -> Run? {
        try read("looking for a claimable run") { db in
            var (whereSQL, args) = Self.claimableWhere(sweep: sweep, roles: roles, teacherGate: true, dialect: db.dialect)
            if !excluding.isEmpty {
                whereSQL += " AND q.id NOT IN (\(excluding.map { _ in "?" }.joined(separator: ",")))"
                args += excluding.sorted().map { $0 }
            }
            return try db.fetchOne(sql: "SELECT q.* FROM runs q \(whereSQL) ORDER BY q.id LIMIT 1", arguments: args)
                .map(Self.run(from:))
        }
    }

    /// Whether the teacher of `sweep` is ready for its students: every teacher run finished with
    /// a recorded model (true when the sweep has no teacher run).
    public func teacherIsReady(sweep: Int64) throws -> Bool {
        try read("checking the teacher of sweep \(sweep)") { db in
            try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM runs t WHERE t.sweep_id = ? AND \(Self.teacherNotReadySQL)", arguments: [sweep]) == 0
        }
    }

    /// A teacher run `t` that is not finished with a recorded model.
    static let teacherNotReadySQL = """
        t.role = 'teacher' AND NOT (t.status = 'finished' AND EXISTS (SELECT 1 FROM artifacts a WHERE a.run_id = t.id AND a.kind = 'model'))
        """

    /// A run `d` (named in `q.depends_on`) that is not finished with a recorded model.
    static func dependencyNotReadySQL(_ dialect: SQLDialect) -> String {
        """
        d.sweep_id = q.sweep_id AND \(dialect.position(of: "',' || d.name || ','", in: "',' || q.depends_on || ','")) > 0
        AND NOT (d.status = 'finished' AND EXISTS (SELECT 1 FROM artifacts a WHERE a.run_id = d.id AND a.kind = 'model'))
        """
    }

    static func claimableWhere(sweep: Int64?, roles: Set<RunRole>?, teacherGate: Bool, dialect: SQLDialect) -> (String, SQLArguments) {
        var (whereSQL, args) = Self.whereClause(RunFilter(sweep: sweep, statuses: [.queued], roles: roles), alias: "q")
        whereSQL += " AND (q.depends_on IS NULL OR NOT EXISTS (SELECT 1 FROM runs d WHERE \(dependencyNotReadySQL(dialect))))"
        if teacherGate {
            whereSQL += " AND (q.role <> 'student' OR NOT EXISTS (SELECT 1 FROM runs t WHERE t.sweep_id = q.sweep_id AND \(teacherNotReadySQL)))"
        }
        return (whereSQL, args)
    }

    /// Starts one specific queued run (a standalone `train` outside a sweep, or a runner that
    /// chose the run itself): queued → running with the same stamps as a claim. Throws
    /// `unknownRun`, or `invalidTransition` when the run is not queued (someone else took it).
    @discardableResult
    public func start(_ id: Int64, worker: WorkerInfo = .current()) throws -> Run {
        try write("starting run \(id)") { db in
            if let row = try db.fetchOne(sql: """
                UPDATE runs SET status = 'running', started_at = \(db.dialect.now), heartbeat_at = \(db.dialect.now),
                    finished_at = NULL, error = NULL, host = ?, pid = ?, threads = COALESCE(?, threads),
                    blas = COALESCE(?, blas), cpu = COALESCE(?, cpu), lease = ?, job = ?, attempts = attempts + 1
                WHERE id = ? AND status = 'queued' RETURNING *
                """, arguments: [worker.host, worker.pid, worker.threads, worker.blas, worker.cpu, worker.lease, worker.job, id]) {
                return try Self.run(from: row)
            }
            guard let current = try db.fetchOne(String.self, sql: "SELECT status FROM runs WHERE id = ?", arguments: [id])
                .flatMap(RunStatus.init(rawValue:)) else { throw StoreError.unknownRun(id: id, path: path) }
            throw StoreError.invalidTransition(run: id, from: current, to: .running)
        }
    }

    /// running → finished.
    public func markFinished(_ run: Int64) throws { try setStatus(run, .finished, error: nil) }
    /// running → failed, with the error text (message or trace).
    public func markFailed(_ run: Int64, error: String) throws { try setStatus(run, .failed, error: error) }
    /// running → diverged (NaN/inf loss), with what diverged and when.
    public func markDiverged(_ run: Int64, error: String) throws { try setStatus(run, .diverged, error: error) }
    /// running or queued → interrupted (signal, user stop); resumable with `requeue`.
    public func markInterrupted(_ run: Int64, error: String? = nil) throws { try setStatus(run, .interrupted, error: error) }

    /// running → failed for a worker that died without recording an end (a crash, a signal):
    /// only if the run is still held by that worker (`host`, `pid`), so a run the worker did end,
    /// or that another worker has taken since, is left alone. Returns whether it was marked.
    @discardableResult
    public func markCrashed(_ run: Int64, host: String, pid: Int, error: String) throws -> Bool {
        try write("marking run \(run) failed") { db in
            try db.execute(sql: """
                UPDATE runs SET status = 'failed', error = ?, finished_at = \(db.dialect.now), heartbeat_at = \(db.dialect.now)
                WHERE id = ? AND status = 'running' AND host = ? AND pid = ?
                """, arguments: [error, run, host, pid]) > 0
        }
    }

    /// Marks every queued distilled student of `sweep` failed with `error` (their teacher
    /// failed, so they cannot run); returns their ids.
    @discardableResult
    public func failQueuedStudents(sweep: Int64, error: String) throws -> [Int64] {
        try write("failing the students of sweep \(sweep)") { db in
            try db.fetchAll(Int64.self, sql: """
                UPDATE runs SET status = 'failed', error = ?, finished_at = \(db.dialect.now)
                WHERE sweep_id = ? AND status = 'queued' AND role = 'student' RETURNING id
                """, arguments: [error, sweep]).sorted()
        }
    }

    /// Terminal statuses are reached from `running` only (interrupted also from `queued`), so a
    /// worker whose run was re-queued as stale learns it instead of overwriting the new attempt.
    func setStatus(_ id: Int64, _ status: RunStatus, error: String?) throws {
        try write("marking run \(id) \(status.rawValue)") { db in
            guard let current = try db.fetchOne(String.self, sql: "SELECT status FROM runs WHERE id = ?\(db.dialect.forUpdate)", arguments: [id])
                .flatMap(RunStatus.init(rawValue:)) else { throw StoreError.unknownRun(id: id, path: path) }
            let allowed: Set<RunStatus> = status == .interrupted ? [.running, .queued] : [.running]
            guard allowed.contains(current) else { throw StoreError.invalidTransition(run: id, from: current, to: status) }
            try db.execute(sql: "UPDATE runs SET status = ?, error = ?, finished_at = \(db.dialect.now), heartbeat_at = \(db.dialect.now) WHERE id = ?",
                           arguments: [status.rawValue, error, id])
        }
    }

    /// Refreshes the run's heartbeat (metrics batches do this too), so a long evaluation with no
    /// metrics is not taken for a dead worker.
    public func heartbeat(_ run: Int64) throws {
        try write("heartbeat of run \(run)") { db in
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(db.dialect.now) WHERE id = ?", arguments: [run])
        }
    }

    /// Marks failed the queued runs of `sweep` that can never start: a run they depend on ended
    /// without a model. Returns their ids.
    @discardableResult
    public func failBlockedRuns(sweep: Int64) throws -> [Int64] {
        try write("failing the blocked runs of sweep \(sweep)") { db in
            let rows = try db.fetchAll(sql: """
                SELECT q.id AS id, d.name AS dep, d.status AS status FROM runs q JOIN runs d ON \(Self.dependencyNotReadySQL(db.dialect))
                WHERE q.sweep_id = ? AND q.status = 'queued' AND q.depends_on IS NOT NULL
                  AND d.status IN ('finished', 'failed', 'diverged', 'pruned')
                """, arguments: [sweep])
            var ids: [Int64] = []
            for row in rows where !ids.contains(row["id"]) {
                let id: Int64 = row["id"], dep: String = row["dep"], status: String = row["status"]
                try db.execute(sql: "UPDATE runs SET status = 'failed', error = ?, finished_at = \(db.dialect.now) WHERE id = ? AND status = 'queued'",
                               arguments: ["run \(dep), which this run needs, ended \(status) without a model; `--retry-failed` retries both", id])
                ids.append(id)
            }
            return ids
        }
    }

    /// Puts one ended run back in the queue (a resumed `reidkd train`): from interrupted, failed
    /// or diverged; a `running` run only when its worker is gone (see `requeue(sweep:…)`).
    public func requeue(run id: Int64) throws {
        _ = try requeue(sweep: nil, statuses: [], staleAfter: StoreDefaults.staleAfter)
        try write("re-queueing run \(id)") { db in
            try db.execute(sql: """
                UPDATE runs SET status = 'queued', started_at = NULL, finished_at = NULL, error = NULL, lease = NULL
                WHERE id = ? AND status IN ('interrupted', 'failed', 'diverged')
                """, arguments: [id])
        }
    }

    /// Puts runs back in the queue for a resume and returns their ids: runs of `sweep` in one of
    /// `statuses` (default: interrupted), and `running` runs whose worker is gone (`workerIsGone`:
    /// its lease is not held, or, for runs claimed on another host or without a lease, its
    /// heartbeat is older than `staleAfter` seconds). A killed sweep leaves such runs behind.
    /// Attempts and metrics are kept; the trainer continues from the run's last checkpoint.
    @discardableResult
    public func requeue(sweep: Int64?, statuses: Set<RunStatus> = [.interrupted], staleAfter: TimeInterval? = nil) throws -> [Int64] {
        let resettable = statuses.subtracting([.queued, .running, .finished])
        let (ids, deadLeases) = try write("re-queueing runs") { db -> ([Int64], [String]) in
            var ids: [Int64] = [], deadLeases: [String] = []
            let (w1, a1) = Self.whereClause(RunFilter(sweep: sweep, statuses: resettable), alias: "runs")
            if !resettable.isEmpty {
                ids += try db.fetchAll(Int64.self, sql: "SELECT id FROM runs \(w1) ORDER BY id\(db.dialect.forUpdate)", arguments: a1)
            }
            let (w2, a2) = Self.whereClause(RunFilter(sweep: sweep, statuses: [.running]), alias: "runs")
            for row in try db.fetchAll(sql: "SELECT \(Self.livenessColumns(db)) FROM runs \(w2) ORDER BY id\(db.dialect.forUpdate)", arguments: a2)
            where try workerIsGone(row, db: db, staleAfter: staleAfter) {
                ids.append(row["id"])
                if let l: String = row["lease"] { deadLeases.append(l) }
            }
            for id in ids {
                try db.execute(sql: "UPDATE runs SET status = 'queued', started_at = NULL, finished_at = NULL, error = NULL, lease = NULL WHERE id = ?",
                               arguments: [id])
            }
            return (ids.sorted(), deadLeases)
        }
        if dialect == .sqlite {
            // Their lock files are free (that is how they were found dead): delete them.
            for l in deadLeases where !l.contains("/") && !leaseIsHeld(l) { unlink("\(lockDirectory)/\(l)") }
            removeStaleLockFiles()
        }
        return ids
    }

    /// The `running` runs of `sweep` whose workers are alive (held leases, fresh heartbeats).
    public func liveRuns(sweep: Int64, staleAfter: TimeInterval? = StoreDefaults.staleAfter) throws -> [Run] {
        let running = try runs(RunFilter(sweep: sweep, statuses: [.running]))
        return try read("checking running runs") { db in
            try running.filter { r in
                guard let row = try db.fetchOne(sql: "SELECT \(Self.livenessColumns(db)) FROM runs WHERE id = ?", arguments: [r.id]) else { return false }
                return try !workerIsGone(row, db: db, staleAfter: staleAfter)
            }
        }
    }

    /// `kill(pid, 0)`: ESRCH means no such process. (A recycled pid reads as alive: the
    /// heartbeat timeout covers that case.)
    static func processExists(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno != ESRCH
    }
}
