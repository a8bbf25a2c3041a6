// Sweeps, planning runs, claiming, status changes and resume.
import XCTest
import Foundation
@testable import Store

final class LifecycleTests: XCTestCase {
    func newStore(_ name: String = #function) throws -> ExperimentStore { try freshStore(name) }

    func testSweepFindOrCreateAndSuggestion() throws {
        let store = try newStore()
        let a = try store.findOrCreateSweep(name: "quick", spec: "grid: {}")
        let b = try store.findOrCreateSweep(name: "quick", spec: "changed")
        XCTAssertEqual(a, b)
        XCTAssertEqual(b.spec, "grid: {}")
        XCTAssertNotNil(a.createdAt)
        XCTAssertNil(try store.sweep(named: "nope"))
        let m = message { try store.requireSweep(named: "quik") }
        XCTAssertTrue(m.contains("'quik'") && m.contains("did you mean 'quick'"), m)
    }

    func testEnqueueIsIdempotentAndGuardsConfigChanges() throws {
        let store = try newStore()
        let sweep = try store.findOrCreateSweep(name: "s", spec: "")
        let first = try store.enqueue(plan(students: 3), sweep: sweep)
        XCTAssertEqual(first.map(\.status), Array(repeating: .queued, count: 4))
        XCTAssertEqual(first.map(\.role), [.teacher, .baseline, .student, .baseline])
        XCTAssertEqual(try store.params(run: first[2].id)["kd.method"], "logit")
        XCTAssertEqual(first[0].codeVersion, "abc123")
        XCTAssertEqual(first[0].datasetFingerprint, "ds1")
        _ = try store.claimNextRun(sweep: sweep.id)
        try store.markFinished(first[0].id)
        let again = try store.enqueue(plan(students: 3), sweep: sweep)
        XCTAssertEqual(again.map(\.id), first.map(\.id))
        XCTAssertEqual(again[0].status, .finished, "re-planning keeps a finished run finished")
        XCTAssertEqual(try store.runs().count, 4)
        var changed = plan(students: 3)
        changed[1].configHash = "other"
        let m = message { try store.enqueue(changed, sweep: sweep) }
        XCTAssertTrue(m.contains("student-0") && m.contains("s-hash-0") && m.contains("other"), m)
        XCTAssertEqual(try store.runs().count, 4, "a failed enqueue adds nothing")
    }

    func testClaimOrderRolesAndWorkerFields() throws {
        let store = try newStore()
        let s1 = try store.findOrCreateSweep(name: "one", spec: ""), s2 = try store.findOrCreateSweep(name: "two", spec: "")
        let runs = try store.enqueue(plan(students: 2), sweep: s1)
        try store.enqueue(plan(students: 1), sweep: s2)
        let worker = WorkerInfo(host: "box", pid: 4242, threads: 2, blas: "OpenBLAS 0.3.21 SkylakeX (upgraded from Prescott)", cpu: "Xeon")
        let s = try XCTUnwrap(try store.claimNextRun(sweep: s1.id, roles: [.baseline, .student], worker: worker))
        XCTAssertEqual(s.id, runs[1].id, "the teacher is skipped when only students are asked for")
        XCTAssertEqual(s.status, .running)
        XCTAssertEqual([s.host, s.pid.map(String.init), s.threads.map(String.init), s.blas, s.cpu],
                       ["box", "4242", "2", "OpenBLAS 0.3.21 SkylakeX (upgraded from Prescott)", "Xeon"])
        XCTAssertTrue(try RunsView.show(store: store, run: s.id).contains("SkylakeX (upgraded from Prescott)"))
        XCTAssertEqual(s.attempts, 1)
        XCTAssertNotNil(s.startedAt); XCTAssertNotNil(s.heartbeatAt)
        XCTAssertEqual(try store.claimNextRun(sweep: s1.id, worker: worker)?.id, runs[0].id)
        XCTAssertEqual(try store.claimNextRun(sweep: s1.id, worker: worker)?.id, runs[2].id)
        XCTAssertNil(try store.claimNextRun(sweep: s1.id, worker: worker), "sweep one is drained")
        XCTAssertEqual(try store.statusCounts(sweep: s1.id), [.running: 3])
        XCTAssertEqual(try store.statusCounts(sweep: s2.id), [.queued: 2])
        XCTAssertEqual(try store.runs(RunFilter(statuses: [.queued])).count, 2)
    }

    func testStatusTransitions() throws {
        let store = try newStore()
        let runs = try store.enqueue(plan(students: 3), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        for _ in 0..<3 { _ = try store.claimNextRun(sweep: nil) }
        try store.markFinished(runs[0].id)
        try store.markFailed(runs[1].id, error: "Error: out of memory\n  at train()")
        try store.markDiverged(runs[2].id, error: "loss_kd is NaN at step 12")
        try store.markInterrupted(runs[3].id)
        let after = try store.runs()
        XCTAssertEqual(after.map(\.status), [.finished, .failed, .diverged, .interrupted])
        XCTAssertEqual(after[1].error, "Error: out of memory\n  at train()")
        XCTAssertTrue(after.allSatisfy { $0.finishedAt != nil })
        XCTAssertTrue(after.prefix(3).allSatisfy { r in r.startedAt.map { s in r.finishedAt.map { $0 >= s } ?? false } ?? false })
        XCTAssertNil(after[3].startedAt, "interrupted while still queued")
        let m = message { try store.markFinished(runs[3].id) }
        XCTAssertTrue(m.contains("run \(runs[3].id) is interrupted"), m)
        XCTAssertEqual(message { try store.markFinished(999) }, StoreError.unknownRun(id: 999, path: store.path).description)
    }

    func testRequeueInterruptedAndDeadOrStaleWorkers() throws {
        let store = try newStore()
        let runs = try store.enqueue(plan(students: 3), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        let here = ProcessInfo.processInfo.hostName
        let dead = WorkerInfo(host: here, pid: Int(Int32.max), threads: nil)       // no such process
        _ = try store.claimNextRun(sweep: nil, worker: .current())                   // 0: alive, us
        _ = try store.claimNextRun(sweep: nil, worker: dead)                          // 1: dead worker
        _ = try store.claimNextRun(sweep: nil, worker: WorkerInfo(host: "elsewhere", pid: 1, threads: nil)) // 2: other host
        _ = try store.claimNextRun(sweep: nil)
        try store.markInterrupted(runs[3].id, error: "SIGINT")
        XCTAssertEqual(try store.requeue(sweep: nil), [runs[1].id, runs[3].id])
        XCTAssertEqual(try store.runs().map(\.status), [.running, .queued, .running, .queued])
        XCTAssertNil(try store.run(runs[3].id).error)
        // The other host's run is only stale once its heartbeat is old enough.
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 3600), [])
        Thread.sleep(forTimeInterval: 0.05)
        // A heartbeat older than the limit makes any running run stale, even one whose process lives (hung).
        XCTAssertEqual(try store.requeue(sweep: nil, staleAfter: 0.01), [runs[0].id, runs[2].id])
        let again = try XCTUnwrap(try store.claimNextRun(sweep: nil))
        XCTAssertEqual(again.id, runs[0].id)
        XCTAssertEqual(again.attempts, 2, "a resumed run counts its attempts")
    }

    func testRequeueFailedOnRequest() throws {
        let store = try newStore()
        let runs = try store.enqueue(plan(students: 1), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        _ = try store.claimNextRun(sweep: nil); _ = try store.claimNextRun(sweep: nil)
        try store.markFailed(runs[0].id, error: "boom"); try store.markFinished(runs[1].id)
        XCTAssertEqual(try store.requeue(sweep: nil), [])
        XCTAssertEqual(try store.requeue(sweep: nil, statuses: [.failed, .finished]), [runs[0].id], "finished runs are never re-queued")
    }

    func testTeacherLookupByConfigAndDataset() throws {
        let store = try newStore()
        let a = try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "a", spec: ""))
        _ = try store.claimNextRun(sweep: nil); try store.markFinished(a[0].id)
        try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "b", spec: ""))
        let found = try store.runs(RunFilter(statuses: [.finished], roles: [.teacher], configHash: "t-hash", datasetFingerprint: "ds1"))
        XCTAssertEqual(found.map(\.id), [a[0].id])
        XCTAssertEqual(try store.runs(RunFilter(roles: [.teacher], datasetFingerprint: "other")).count, 0)
    }

    func testStartOneStandaloneRun() throws {
        let store = try newStore()
        let other = try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "s", spec: ""))[0]
        let solo = try store.enqueue([RunSpec(name: "solo", role: .baseline, config: "{}", configHash: "h", seed: 3)], sweep: nil)[0]
        XCTAssertNil(solo.sweepID)
        let started = try store.start(solo.id, worker: WorkerInfo(host: "box", pid: 9, threads: 1))
        XCTAssertEqual(started.status, .running); XCTAssertEqual(started.attempts, 1); XCTAssertEqual(started.host, "box")
        XCTAssertEqual(try store.run(other.id).status, .queued, "only the named run starts")
        XCTAssertEqual(message { try store.start(solo.id) }, StoreError.invalidTransition(run: solo.id, from: .running, to: .running).description)
        XCTAssertEqual(message { try store.start(404) }, StoreError.unknownRun(id: 404, path: store.path).description)
    }
}
