// Whether the worker of a `running` run is alive, by a lock the store can check rather than by
// its pid: `kill(pid, 0)` succeeds on a zombie the system has not reaped yet and on a recycled
// pid, so a restart right after a kill used to leave the killed worker's run `running`.
//
// A worker takes a `RunLease` before it claims, holds it for as long as it lives, and the claim
// writes its token into `runs.lease`. The lock goes away the moment the worker dies:
//  - SQLite: a file under `<store>.locks/` locked with flock; the kernel drops the lock when the
//    process dies. A `running` run of this host whose lease file is not locked is dead. Runs
//    claimed on another host (where this host cannot see the lock) are judged by their
//    heartbeat instead, which the lease refreshes from a background timer; older than
//    `staleAfter` = dead.
//  - PostgreSQL: a session advisory lock on a connection of its own (token `pg-N-host-pid`);
//    the server drops it when that connection closes: at once when the process dies (its
//    kernel closes the socket), within about 90 s when its whole host dies or drops off the
//    network (the lease connection sets the server's TCP keepalives for its session: idle 30 s,
//    then 6 probes 10 s apart). Every host sees the lock (`pg_locks`), so it decides for runs of
//    any host, as the lock file does on one host; a suspended worker (Slurm can suspend jobs)
//    keeps its run.
import Foundation
import Support

/// The lock a worker holds while it runs a run. Release it when done; if the process dies
/// first, the kernel (or the PostgreSQL server) releases it.
public final class RunLease: @unchecked Sendable {
    /// The lock's name (stored in `runs.lease`): a file name under the store's lock folder, or
    /// `pg-<key>-<host>-<pid>` for a PostgreSQL advisory lock.
    public let token: String
    enum Hold { case file(FileLock), postgres(PostgresConnection) }
    let hold: Hold
    private var timer: DispatchSourceTimer?

    init(token: String, hold: Hold) { self.token = token; self.hold = hold }

    /// Refreshes the heartbeat of `run` every `interval` seconds until `release()`, so a run
    /// that is checked by its lease timestamp stays alive during long epochs and evaluations
    /// that log nothing.
    public func keepAlive(run: Int64, store: ExperimentStore, every interval: TimeInterval = StoreDefaults.heartbeatInterval) {
        timer?.cancel()
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "reidkd.lease"))
        t.schedule(deadline: .now() + interval, repeating: interval)
        let token = self.token
        t.setEventHandler { try? store.refreshLease(run: run, token: token) }
        t.resume()
        timer = t
    }

    /// Stops the heartbeat and drops the lock (deleting its file).
    public func release() {
        timer?.cancel()
        timer = nil
        switch hold {
        case .file(let lock): lock.unlock(removing: true)
        case .postgres(let connection): connection.close()
        }
    }

    deinit { timer?.cancel() }
}

extension ExperimentStore {
    /// Takes a new lease: a fresh, locked file under `lockDirectory` (SQLite), or an advisory
    /// lock on a new connection (PostgreSQL).
    public func acquireLease() throws -> RunLease {
        let host = Self.leaseHost
        if let pg = backend as? PostgresBackend {
            do {
                let connection = try pg.newConnection()
                // The server notices a vanished host within ~90 s and drops the lock (its default
                // is the kernel's: two hours).
                try connection.executeScript("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 6")
                while true {  // a key another live worker holds (1 in 2^31 per worker) is skipped
                    let key = Int64.random(in: 1...Int64(Int32.max))
                    let rows = try connection.run("SELECT pg_try_advisory_lock(\(PostgresBackend.lockNamespace), \(key))", []).rows
                    if rows.first?.values.first.flatMap(Bool.read) == true {
                        return RunLease(token: "pg-\(key)-\(host)-\(getpid())", hold: .postgres(connection))
                    }
                }
            } catch {
                throw StoreError.database(path: path, action: "taking a lease", message: Self.message(error))
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: lockDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.database(path: path, action: "creating the lock folder \(lockDirectory)", message: error.localizedDescription)
        }
        let token = "\(host)-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).lock"
        do {
            return RunLease(token: token, hold: .file(try FileLock.createLocked("\(lockDirectory)/\(token)")))
        } catch let e as FileLockError {
            throw StoreError.database(path: path, action: "taking a lease", message: e.description)
        }
    }

    /// Whether the worker holding `token` is alive (its lock is held). When the store cannot be
    /// asked (PostgreSQL unreachable), the answer is yes: nothing is taken from a live worker.
    public func leaseIsHeld(_ token: String) -> Bool {
        if let key = Self.advisoryKey(token) {
            return (try? read("checking a lease") { try Self.advisoryLockIsHeld(key, db: $0) }) ?? true
        }
        // A token is a file name we made; anything else (a hand-edited row) is not held.
        guard !token.contains("/"), token != "..", token != ".", dialect == .sqlite else { return false }
        return FileLock.isHeld("\(lockDirectory)/\(token)")
    }

    /// The advisory-lock key of a PostgreSQL lease token (`pg-<key>-…`).
    static func advisoryKey(_ token: String) -> Int64? {
        guard token.hasPrefix("pg-") else { return nil }
        return Int64(token.dropFirst(3).prefix { $0.isNumber })
    }

    /// Whether any session holds ReidKD's advisory lock `key` in this database.
    static func advisoryLockIsHeld(_ key: Int64, db: SQLConnection) throws -> Bool {
        try db.fetchOne(Int.self, sql: """
            SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND classid::bigint = ? AND objid::bigint = ?
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, arguments: [PostgresBackend.lockNamespace, key]) ?? 0 > 0
    }

    /// Refreshes `heartbeat_at` of `run` while it is still held by `token`.
    func refreshLease(run: Int64, token: String) throws {
        try write("heartbeat of run \(run)") { db in
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(db.dialect.now) WHERE id = ? AND status = 'running' AND lease = ?",
                           arguments: [run, token])
        }
    }

    /// The columns `workerIsGone` reads (the heartbeat's age by the database's clock).
    static func livenessColumns(_ db: SQLConnection) -> String {
        "id, host, pid, lease, heartbeat_at, \(db.dialect.secondsSince("heartbeat_at")) AS heartbeat_age"
    }

    /// Whether the `running` run described by `row` (`livenessColumns`) has lost its worker. A
    /// PostgreSQL lease decides on any host, a file lease on this host; other hosts' file-leased
    /// runs go by heartbeat age; runs claimed without a lease (older builds, tests) by pid on
    /// this host or heartbeat age.
    func workerIsGone(_ row: SQLRow, db: SQLConnection, staleAfter: TimeInterval?) throws -> Bool {
        let here = ProcessInfo.processInfo.hostName
        let host: String? = row["host"], lease: String? = row["lease"]
        if let lease, let key = Self.advisoryKey(lease), db.dialect == .postgres {
            return try !Self.advisoryLockIsHeld(key, db: db)
        }
        var old = false
        if let after = staleAfter, let age: Double = row["heartbeat_age"] { old = age > after }
        if let lease, host == here { return !leaseIsHeld(lease) }
        if lease == nil, host == here, let pid: Int32 = row["pid"], !Self.processExists(pid) { return true }
        return old
    }

    /// Whether process `pid` of this host has exited: no such process, or a zombie (an orphan of
    /// a killed sweep may wait to be reaped; `kill(pid, 0)` alone calls it alive).
    static func processIsGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ") ", options: .backwards) else { return false }
        return stat[close.upperBound...].first == "Z"
    }

    /// This host's name as lease tokens carry it (file-name safe).
    static var leaseHost: String {
        String(ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    /// Deletes lease files nobody holds: leases of workers killed before they claimed a run (a
    /// requeue deletes the others). A lease file is born locked (`FileLock.createLocked`), so an
    /// unlocked one is always a dead worker's. The hidden temporary `.<token>.tmp-<pid>` a worker
    /// killed while creating one leaves is deleted when its creator, named in it, is gone from
    /// this host (a restart right after a kill finds it so), else once it is a minute old
    /// (another host's, or a live creator between open and lock).
    func removeStaleLockFiles() {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: lockDirectory) else { return }
        for name in names {
            let p = "\(lockDirectory)/\(name)"
            if name.hasSuffix(".lock") && !name.hasPrefix(".") {
                if !FileLock.isHeld(p) { try? fm.removeItem(atPath: p) }
            } else if name.hasPrefix("."), let tmp = name.range(of: ".tmp-", options: .backwards), !FileLock.isHeld(p) {
                let creator = Int32(name[tmp.upperBound...])
                let here = name.hasPrefix(".\(Self.leaseHost)-")
                let creatorGone = here && creator.map(Self.processIsGone) == true
                let age = ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date).map { Date().timeIntervalSince($0) } ?? 0
                if creatorGone || age > 60 { try? fm.removeItem(atPath: p) }
            }
        }
    }
}
