// Run lifecycle: the atomic claim that lets several worker processes drain one sweep, the status
// changes, the heartbeat, and the reset that makes a sweep resumable.
import Foundation
import GRDB

extension ExperimentStore {
    /// Atomically takes the oldest queued run (of `sweep`, of one of `roles` if given), marks it
    /// `running` with this worker's host/pid/threads and start time, and returns it; nil when none
    /// is queued. One `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *` inside an IMMEDIATE
    /// transaction: two processes can never claim the same run.
    public func claimNextRun(sweep: Int64?, roles: Set<RunRole>? = nil, worker: WorkerInfo = .current()) throws -> Run? {
        try write("claiming the next queued run") { db in
            let (whereSQL, args) = Self.whereClause(RunFilter(sweep: sweep, statuses: [.queued], roles: roles), alias: "q")
            var all: [(any DatabaseValueConvertible)?] = [worker.host, worker.pid, worker.threads, worker.blas, worker.cpu]
            all += args
            let row = try Row.fetchOne(db, sql: """
                UPDATE runs SET status = 'running', started_at = \(Schema.now), heartbeat_at = \(Schema.now),
                    finished_at = NULL, error = NULL, host = ?, pid = ?, threads = COALESCE(?, threads),
                    blas = COALESCE(?, blas), cpu = COALESCE(?, cpu), attempts = attempts + 1
                WHERE id = (SELECT q.id FROM runs q \(whereSQL) ORDER BY q.id LIMIT 1)
                RETURNING *
                """, arguments: StatementArguments(all))
            return try row.map(Self.run(from:))
        }
    }

    /// Starts one specific queued run (a standalone `train` outside a sweep, or a runner that
    /// chose the run itself): queued → running with the same stamps as a claim. Throws
    /// `unknownRun`, or `invalidTransition` when the run is not queued (someone else took it).
    @discardableResult
    public func start(_ id: Int64, worker: WorkerInfo = .current()) throws -> Run {
        try write("starting run \(id)") { db in
            if let row = try Row.fetchOne(db, sql: """
                UPDATE runs SET status = 'running', started_at = \(Schema.now), heartbeat_at = \(Schema.now),
                    finished_at = NULL, error = NULL, host = ?, pid = ?, threads = COALESCE(?, threads),
                    blas = COALESCE(?, blas), cpu = COALESCE(?, cpu), attempts = attempts + 1
                WHERE id = ? AND status = 'queued' RETURNING *
                """, arguments: [worker.host, worker.pid, worker.threads, worker.blas, worker.cpu, id]) {
                return try Self.run(from: row)
            }
            guard let current = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [id])
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

    /// Terminal statuses are reached from `running` only (interrupted also from `queued`), so a
    /// worker whose run was re-queued as stale learns it instead of overwriting the new attempt.
    func setStatus(_ id: Int64, _ status: RunStatus, error: String?) throws {
        try write("marking run \(id) \(status.rawValue)") { db in
            guard let current = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [id])
                .flatMap(RunStatus.init(rawValue:)) else { throw StoreError.unknownRun(id: id, path: path) }
            let allowed: Set<RunStatus> = status == .interrupted ? [.running, .queued] : [.running]
            guard allowed.contains(current) else { throw StoreError.invalidTransition(run: id, from: current, to: status) }
            try db.execute(sql: "UPDATE runs SET status = ?, error = ?, finished_at = \(Schema.now), heartbeat_at = \(Schema.now) WHERE id = ?",
                           arguments: [status.rawValue, error, id])
        }
    }

    /// Refreshes the run's heartbeat (metrics batches do this too), so a long evaluation with no
    /// metrics is not taken for a dead worker.
    public func heartbeat(_ run: Int64) throws {
        try write("heartbeat of run \(run)") { db in
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(Schema.now) WHERE id = ?", arguments: [run])
        }
    }

    /// Puts runs back in the queue for a resume and returns their ids: runs of `sweep` in one of
    /// `statuses` (default: interrupted), and `running` runs whose worker is gone — its heartbeat
    /// is older than `staleAfter` seconds, or it ran on this host and its process no longer exists
    /// (a killed sweep leaves such runs behind). Attempts and metrics are kept; the trainer
    /// continues from the run's last checkpoint artifact.
    @discardableResult
    public func requeue(sweep: Int64?, statuses: Set<RunStatus> = [.interrupted], staleAfter: TimeInterval? = nil) throws -> [Int64] {
        let resettable = statuses.subtracting([.queued, .running, .finished])
        let host = ProcessInfo.processInfo.hostName
        return try write("re-queueing runs") { db in
            var ids: [Int64] = []
            let (w1, a1) = Self.whereClause(RunFilter(sweep: sweep, statuses: resettable), alias: "runs")
            if !resettable.isEmpty { ids += try Int64.fetchAll(db, sql: "SELECT id FROM runs \(w1)", arguments: StatementArguments(a1)) }
            let (w2, a2) = Self.whereClause(RunFilter(sweep: sweep, statuses: [.running]), alias: "runs")
            for row in try Row.fetchAll(db, sql: "SELECT id, host, pid, heartbeat_at FROM runs \(w2)", arguments: StatementArguments(a2)) {
                let id: Int64 = row["id"]
                var stale = false
                if let after = staleAfter, let beat = StoreTime.parse(row["heartbeat_at"]) {
                    stale = Date().timeIntervalSince(beat) > after
                }
                if let h: String = row["host"], h == host, let pid: Int32 = row["pid"], !Self.processExists(pid) { stale = true }
                if stale { ids.append(id) }
            }
            for id in ids {
                try db.execute(sql: "UPDATE runs SET status = 'queued', started_at = NULL, finished_at = NULL, error = NULL WHERE id = ?",
                               arguments: [id])
            }
            return ids.sorted()
        }
    }

    /// `kill(pid, 0)`: ESRCH means no such process. (A recycled pid reads as alive: the
    /// heartbeat timeout covers that case.)
    static func processExists(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno != ESRCH
    }
}
