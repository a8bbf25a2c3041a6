// Liveness by lease, not pid: a run whose worker holds its lease is never re-queued; one whose
// worker died is re-queued at once — also while the dead worker is an unreaped zombie, which
// `kill(pid, 0)` reports as alive (the ChildProcess test kills a real worker process and does
// not reap it). Heartbeats from the lease's timer; runs of other hosts by heartbeat age.
import XCTest
import Foundation
@testable import Store

final class LeaseTests: XCTestCase {
    func newStore(_ name: String = #function) throws -> ExperimentStore { try freshStore(name) }

    func testHeldLeaseKeepsRunAndReleasedLeaseRequeuesIt() throws {
        let store = try newStore()
        let runs = try store.enqueue(plan(students: 1), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        let lease = try store.acquireLease()
        XCTAssertTrue(TestBackend.isPostgres ? lease.token.hasPrefix("pg-") : lease.token.hasSuffix(".lock") && !lease.token.contains("/"), lease.token)
        let run = try XCTUnwrap(try store.claimNextRun(sweep: nil, worker: .current(lease: lease)))
        XCTAssertEqual(run.lease, lease.token)
        XCTAssertTrue(store.leaseIsHeld(lease.token))
        // Alive: neither a requeue nor a zero heartbeat limit touches it (the lock decides on this host).
        Thread.sleep(forTimeInterval: 0.02)
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 0.001), [])
        XCTAssertEqual(try store.liveRuns(sweep: run.sweepID!).map(\.id), [run.id])
        lease.release()
        XCTAssertFalse(store.leaseIsHeld(lease.token))
        if !TestBackend.isPostgres {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(store.lockDirectory)/\(lease.token)"), "a released lease deletes its file")
        }
        XCTAssertEqual(try store.liveRuns(sweep: run.sweepID!), [])
        XCTAssertEqual(try store.requeue(sweep: nil), [runs[0].id])
        let again = try store.run(runs[0].id)
        XCTAssertEqual(again.status, .queued)
        XCTAssertNil(again.lease)
    }

    /// The hidden temporary of a lease file whose creator was killed before the rename goes at
    /// the next requeue when the creator is gone from this host; a live creator's stays (it is
    /// between open and lock), as does another host's until it is a minute old.
    func testTemporaryOfAKilledLeaseCreatorIsRemoved() throws {
        guard !TestBackend.isPostgres else { throw XCTSkip("file leases only (SQLite)") }
        let store = try newStore()
        try FileManager.default.createDirectory(atPath: store.lockDirectory, withIntermediateDirectories: true)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run(); child.waitUntilExit()
        let dead = child.processIdentifier, host = ExperimentStore.leaseHost
        let names = [".\(host)-\(dead)-ab.lock.tmp-\(dead)", ".\(host)-\(getpid())-cd.lock.tmp-\(getpid())",
                     ".elsewhere-\(dead)-ef.lock.tmp-\(dead)"]
        for n in names { XCTAssertTrue(FileManager.default.createFile(atPath: "\(store.lockDirectory)/\(n)", contents: nil)) }
        _ = try store.requeue(sweep: nil)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: store.lockDirectory))
        XCTAssertEqual(left, Set(names.dropFirst()))
    }

    func testLeaseOfAnotherHostGoesByHeartbeat() throws {
        let store = try newStore()
        try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        // A token whose file does not exist here: on another host the lock cannot be seen.
        _ = try store.claimNextRun(sweep: nil, worker: WorkerInfo(host: "elsewhere", pid: 1, threads: 1, lease: "elsewhere-1-ab.lock"))
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 3600), [], "a fresh heartbeat keeps another host's run")
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 0.01).count, 1)
    }

    func testKeepAliveRefreshesTheHeartbeat() throws {
        let store = try newStore()
        try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        let lease = try store.acquireLease()
        defer { lease.release() }
        let run = try XCTUnwrap(try store.claimNextRun(sweep: nil, worker: .current(lease: lease)))
        let first = try XCTUnwrap(run.heartbeatAt)
        lease.keepAlive(run: run.id, store: store, every: 0.02)
        let deadline = Date().addingTimeInterval(5)
        while try store.run(run.id).heartbeatAt == first && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertGreaterThan(try XCTUnwrap(try store.run(run.id).heartbeatAt), first)
    }

    /// Child process only: takes a lease, claims the run, says so, and waits to be killed.
    func testLeaseHolderChild() throws {
        guard let path = ProcessInfo.processInfo.environment["REIDKD_LEASE_CHILD"],
              let mark = ProcessInfo.processInfo.environment["REIDKD_LEASE_CHILD_MARK"] else { return }
        let store = try ExperimentStore(path: path, create: false)
        let lease = try store.acquireLease()
        _ = try store.claimNextRun(sweep: nil, worker: .current(lease: lease))
        _ = FileManager.default.createFile(atPath: mark, contents: nil)
        Thread.sleep(forTimeInterval: 60)
    }

    func testChildProcessKilledWorkerIsRequeuedWhileAZombie() throws {
        #if os(Linux)
        let binary = CommandLine.arguments[0]
        guard binary.hasSuffix(".xctest") else { throw XCTSkip("test binary not found; cannot spawn the worker") }
        let location = try freshStoreLocation()
        let store = try ExperimentStore(path: location)
        let mark = tempDir() + "/claimed"
        let runs = try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        // posix_spawn, not Process: Foundation reaps its children itself, and the point is a zombie.
        var env = ProcessInfo.processInfo.environment
        env["REIDKD_LEASE_CHILD"] = location
        env["REIDKD_LEASE_CHILD_MARK"] = mark
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(binary), strdup("StoreTests.LeaseTests/testLeaseHolderChild"), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        XCTAssertEqual(posix_spawn(&pid, binary, &actions, nil, argv, envp), 0)
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: mark) && Date() < deadline { usleep(2000) }
        XCTAssertEqual(try store.run(runs[0].id).status, .running)
        XCTAssertEqual(try store.requeue(sweep: nil), [], "the worker is alive")
        kill(pid, SIGKILL)
        // Not reaped: a zombie, which a pid check takes for a live process.
        var waited = 0
        while try store.liveRuns(sweep: runs[0].sweepID!).count == 1 && waited < 2000 { usleep(1000); waited += 1 }
        XCTAssertEqual(kill(pid, 0), 0, "the killed worker is still a zombie")
        XCTAssertEqual(try store.requeue(sweep: nil), [runs[0].id], "its lease is free: the run goes back to the queue")
        XCTAssertEqual(try store.run(runs[0].id).status, .queued)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #else
        throw XCTSkip("the lease child test runs on Linux")
        #endif
    }

    /// PostgreSQL: the advisory lock decides for a run of any host (every host sees pg_locks),
    /// whatever its heartbeat; the lease connection asks the server to notice a vanished host
    /// within ~90 s (TCP keepalives), which then drops the lock.
    func testPostgresLeaseDecidesForEveryHost() throws {
        try TestBackend.postgresOnly("advisory-lock leases")
        let store = try newStore()
        let runs = try store.enqueue(plan(students: 1), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        let lease = try store.acquireLease()
        _ = try store.claimNextRun(sweep: nil, worker: WorkerInfo(host: "elsewhere", pid: 1, threads: 1, lease: lease.token))
        XCTAssertTrue(store.leaseIsHeld(lease.token))
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 3600), [], "held on another host: kept")
        lease.release()
        XCTAssertFalse(store.leaseIsHeld(lease.token))
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 3600), [runs[0].id], "released: re-queued at once, fresh heartbeat or not")
        let second = try store.acquireLease()
        defer { second.release() }
        _ = try store.claimNextRun(sweep: nil, worker: WorkerInfo(host: "elsewhere", pid: 2, threads: 1, lease: second.token))
        try store.execute(sql: "UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00.000Z' WHERE id = \(runs[0].id)")
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 600), [], "a held lock keeps its run (a suspended job's worker), however old the heartbeat")
        guard case .postgres(let connection) = second.hold else { return XCTFail("not an advisory-lock lease") }
        XCTAssertEqual(try connection.run("SHOW tcp_keepalives_idle", []).rows.first?.values.first, .text("30"))
    }
}
