// Whether the worker of a `running` run is alive, by a lock the store can check rather than by
// its pid: `kill(pid, 0)` succeeds on a zombie the system has not reaped yet and on a recycled
// pid, so a restart right after a kill used to leave the killed worker's run `running`.
//
// A worker takes a `RunLease` before it claims: a file under `<store>.locks/` that it keeps
// locked (flock) for as long as it lives, whose name the claim writes into `runs.lease`. The
// kernel drops the lock the moment the process dies. A `running` run on this host whose lease
// file is not locked is dead. Runs claimed on another host (where this host cannot see the
// lock) are judged by their lease timestamp instead: the heartbeat, which a lease refreshes
// from a background timer while its holder lives; older than `staleAfter` = dead.
import Foundation
import Support
import GRDB

/// The lock a worker holds while it runs a run. Release it when done; if the process dies
/// first, the kernel releases it.
public final class RunLease: @unchecked Sendable {
    /// The lock file's name under the store's lock directory (stored in `runs.lease`).
    public let token: String
    let lock: FileLock
    private var timer: DispatchSourceTimer?

    init(token: String, lock: FileLock) { self.token = token; self.lock = lock }

    /// Refreshes the heartbeat of `run` every `interval` seconds until `release()`, so a run
    /// that is checked by its lease timestamp (from another host) stays alive during long
    /// epochs and evaluations that log nothing.
    public func keepAlive(run: Int64, store: ExperimentStore, every interval: TimeInterval = StoreDefaults.heartbeatInterval) {
        timer?.cancel()
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "reidkd.lease"))
        t.schedule(deadline: .now() + interval, repeating: interval)
        let token = self.token
        t.setEventHandler { try? store.refreshLease(run: run, token: token) }
        t.resume()
        timer = t
    }

    /// Stops the heartbeat, deletes the lock file and drops the lock.
    public func release() {
        timer?.cancel()
        timer = nil
        lock.unlock(removing: true)
    }

    deinit { timer?.cancel() }
}

extension ExperimentStore {
    /// Takes a new lease (a fresh, locked file under `lockDirectory`).
    public func acquireLease() throws -> RunLease {
        do {
            try FileManager.default.createDirectory(atPath: lockDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.database(path: path, action: "creating the lock folder \(lockDirectory)", message: error.localizedDescription)
        }
        let host = ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        let token = "\(String(host))-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).lock"
        do {
            return RunLease(token: token, lock: try FileLock.createLocked("\(lockDirectory)/\(token)"))
        } catch let e as FileLockError {
            throw StoreError.database(path: path, action: "taking a lease", message: e.description)
        }
    }

    /// Whether the worker holding `token` is alive (its lock file is locked).
    public func leaseIsHeld(_ token: String) -> Bool {
        // A token is a file name we made; anything else (a hand-edited row) is not held.
        guard !token.contains("/"), token != "..", token != "." else { return false }
        return FileLock.isHeld("\(lockDirectory)/\(token)")
    }

    /// Refreshes `heartbeat_at` of `run` while it is still held by `token`.
    func refreshLease(run: Int64, token: String) throws {
        try write("heartbeat of run \(run)") { db in
            try db.execute(sql: "UPDATE runs SET heartbeat_at = \(Schema.now) WHERE id = ? AND status = 'running' AND lease = ?",
                           arguments: [run, token])
        }
    }

    /// Whether the `running` run described by `row` (id, host, pid, lease, heartbeat_at) has lost
    /// its worker. A lease on this host is authoritative; other hosts' runs go by heartbeat age;
    /// runs claimed without a lease (older builds, tests) by pid on this host or heartbeat age.
    func workerIsGone(_ row: Row, staleAfter: TimeInterval?) -> Bool {
        let here = ProcessInfo.processInfo.hostName
        let host: String? = row["host"], lease: String? = row["lease"]
        if let lease, host == here { return !leaseIsHeld(lease) }
        var old = false
        if let after = staleAfter, let beat = StoreTime.parse(row["heartbeat_at"]) { old = Date().timeIntervalSince(beat) > after }
        if lease == nil, host == here, let pid: Int32 = row["pid"], !Self.processExists(pid) { return true }
        return old
    }

    /// Deletes lease files nobody holds: leases of workers killed before they claimed a run (a
    /// requeue deletes the others). A lease file is born locked (`FileLock.createLocked`), so an
    /// unlocked one is always a dead worker's; the hidden temporaries a worker killed while
    /// creating one leaves are deleted once they are a minute old.
    func removeStaleLockFiles() {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: lockDirectory) else { return }
        for name in names {
            let p = "\(lockDirectory)/\(name)"
            if name.hasSuffix(".lock") && !name.hasPrefix(".") {
                if !FileLock.isHeld(p) { try? fm.removeItem(atPath: p) }
            } else if name.hasPrefix("."), name.contains(".tmp-"),
                      let m = (try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date, Date().timeIntervalSince(m) > 60 {
                try? fm.removeItem(atPath: p)
            }
        }
    }
}
