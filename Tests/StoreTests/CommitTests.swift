// The one-transaction steps of a run (an epoch's checkpoint with its metric rows; the end with
// summary, artifacts and status), students waiting for a finished teacher with a recorded model,
// crash records that touch only the crashed worker's run, and where a sweep's files are.
import XCTest
import Foundation
@testable import Store

final class CommitTests: XCTestCase {
    func newStore(_ name: String = #function) throws -> ExperimentStore { try freshStore(name) }

    func points(epoch: Int) -> [MetricPoint] {
        (0..<3).map { MetricPoint(key: "loss_\($0)", step: epoch * 10, epoch: epoch, value: Double(epoch) + Double($0) / 10, wallTime: 1) }
    }

    func testCheckpointCommitIsOneIdempotentStep() throws {
        let store = try newStore()
        let runs = try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "s", spec: ""))
        let ckpt = ArtifactFile(kind: "checkpoint", path: "/r/checkpoint.safetensors", sha256: "aa", bytes: 10)
        // Not running: nothing is written.
        XCTAssertThrowsError(try store.commitCheckpoint(run: runs[0].id, metrics: points(epoch: 1), checkpoint: ckpt))
        XCTAssertEqual(try store.metricCount(run: runs[0].id), 0)
        XCTAssertEqual(try store.artifacts(run: runs[0].id), [])
        _ = try store.claimNextRun(sweep: nil)
        try store.commitCheckpoint(run: runs[0].id, metrics: points(epoch: 1), checkpoint: ckpt)
        // A resumed run commits the same epoch again: nothing doubles.
        try store.commitCheckpoint(run: runs[0].id, metrics: points(epoch: 1), checkpoint: ckpt)
        var next = ckpt; next.sha256 = "bb"; next.bytes = 11
        try store.commitCheckpoint(run: runs[0].id, metrics: points(epoch: 2), checkpoint: next)
        XCTAssertEqual(try store.metricCount(run: runs[0].id), 6)
        XCTAssertEqual(try store.artifacts(run: runs[0].id).map { [$0.kind, $0.sha256] }, [["checkpoint", "bb"]])
        try store.finish(run: runs[0].id, summary: ["mAP": 12.5],
                         artifacts: [ArtifactFile(kind: "model", path: "/r/model.safetensors", sha256: "cc", bytes: 5)])
        let done = try store.run(runs[0].id)
        XCTAssertEqual(done.status, .finished)
        XCTAssertNotNil(done.finishedAt)
        XCTAssertEqual(try store.summary(run: runs[0].id), ["mAP": 12.5])
        XCTAssertEqual(try store.artifacts(run: runs[0].id).map(\.kind), ["checkpoint", "model"])
        XCTAssertThrowsError(try store.finish(run: runs[0].id, summary: ["mAP": 1], artifacts: []), "a finished run cannot finish again")
        XCTAssertEqual(try store.summary(run: runs[0].id), ["mAP": 12.5], "the refused finish wrote nothing")
    }

    func testStudentsWaitForAFinishedTeacherWithAModel() throws {
        let store = try newStore()
        let sweep = try store.findOrCreateSweep(name: "s", spec: "")
        let runs = try store.enqueue(plan(students: 2), sweep: sweep)   // teacher, baseline, student
        XCTAssertFalse(try store.teacherIsReady(sweep: sweep.id))
        XCTAssertEqual(try store.nextClaimableRun(sweep: sweep.id)?.id, runs[0].id)
        XCTAssertEqual(try store.nextClaimableRun(sweep: sweep.id, excluding: [runs[0].id])?.id, runs[1].id)
        let t = try XCTUnwrap(try store.claimNextRun(sweep: sweep.id, studentsWaitForTeacher: true))
        XCTAssertEqual(t.id, runs[0].id)
        XCTAssertEqual(try store.claimNextRun(sweep: sweep.id, studentsWaitForTeacher: true)?.id, runs[1].id, "a baseline needs no teacher")
        XCTAssertNil(try store.claimNextRun(sweep: sweep.id, studentsWaitForTeacher: true), "the student waits while the teacher trains")
        // Finished, but no model recorded (e.g. a store edited by hand): still not ready.
        try store.markFinished(t.id)
        XCTAssertFalse(try store.teacherIsReady(sweep: sweep.id))
        XCTAssertNil(try store.nextClaimableRun(sweep: sweep.id))
        try store.addArtifact(run: t.id, kind: "model", path: "/t/model.safetensors", sha256: "ab", bytes: 1)
        XCTAssertTrue(try store.teacherIsReady(sweep: sweep.id))
        XCTAssertEqual(try store.claimNextRun(sweep: sweep.id, studentsWaitForTeacher: true)?.id, runs[2].id)
    }

    func testCrashRecordAndOrphanedStudents() throws {
        let store = try newStore()
        let sweep = try store.findOrCreateSweep(name: "s", spec: "")
        let runs = try store.enqueue(plan(students: 4), sweep: sweep)   // teacher, baseline, student, baseline, student
        let here = ProcessInfo.processInfo.hostName
        _ = try store.claimNextRun(sweep: sweep.id, worker: WorkerInfo(host: here, pid: 4242, threads: 1))
        XCTAssertFalse(try store.markCrashed(runs[0].id, host: here, pid: 4243, error: "x"), "another worker's run is left alone")
        XCTAssertTrue(try store.markCrashed(runs[0].id, host: here, pid: 4242, error: "crashed: signal 4 (SIGILL)"))
        XCTAssertEqual(try store.run(runs[0].id).status, .failed)
        XCTAssertFalse(try store.markCrashed(runs[0].id, host: here, pid: 4242, error: "again"), "only a running run")
        XCTAssertEqual(try store.run(runs[0].id).error, "crashed: signal 4 (SIGILL)")
        XCTAssertEqual(try store.failQueuedStudents(sweep: sweep.id, error: "teacher failed"), [runs[2].id, runs[4].id])
        XCTAssertEqual(try store.runs(RunFilter(sweep: sweep.id, statuses: [.queued])).map(\.id), [runs[1].id, runs[3].id])
        // --retry-failed puts the teacher and its students back.
        XCTAssertEqual(try store.requeue(sweep: sweep.id, statuses: [.failed]), [runs[0].id, runs[2].id, runs[4].id])
    }

    func testLaunchRecordAndMemoryStore() throws {
        let store = try newStore()
        let sweep = try store.findOrCreateSweep(name: "s", spec: "")
        XCTAssertNil(try store.launch(sweep: sweep.id))
        let l = SweepLaunch(workdir: "/work/x", specPath: "experiments/s.yaml", resultsRoot: "results")
        try store.recordLaunch(sweep: sweep.id, l)
        XCTAssertEqual(try store.launch(sweep: sweep.id), l)
        // A store in memory works like a file and leaves nothing on disk.
        let cwd = FileManager.default.currentDirectoryPath
        let before = try FileManager.default.contentsOfDirectory(atPath: cwd)
        let mem = try ExperimentStore.inMemory()
        try mem.enqueue(plan(students: 1), sweep: mem.findOrCreateSweep(name: "m", spec: ""))
        XCTAssertEqual(try mem.runs().count, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cwd), before)
    }
}
