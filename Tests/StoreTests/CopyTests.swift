// `store copy`: a sweep moves to a store of the backend under test and back to SQLite with every
// row (ids remapped, timestamps to the millisecond, NaN and ±inf kept), a second copy is a no-op,
// a different sweep of the same name is refused naming what differs, and a run that was running
// arrives interrupted.
import XCTest
import Foundation
@testable import Store

final class CopyTests: XCTestCase {
    /// A sweep with every kind of row: finished, failed, running and queued runs.
    func populated() throws -> ExperimentStore {
        let store = try ExperimentStore(path: tempDir() + "/source.sqlite")
        let other = try store.findOrCreateSweep(name: "other", spec: "x")
        try store.enqueue(plan(students: 1, seedBase: 100), sweep: other)   // ids 1, 2: copies must not need them
        let sweep = try store.findOrCreateSweep(name: "s", spec: "name: s\nseeds: [1]")
        try store.recordLaunch(sweep: sweep.id, SweepLaunch(workdir: "/work/x", specPath: "s.yaml", resultsRoot: "results"))
        let runs = try store.enqueue(plan(students: 3), sweep: sweep)
        let t = try XCTUnwrap(try store.claimNextRun(sweep: sweep.id, worker: WorkerInfo(host: "h", pid: 1, threads: 2, blas: "b", cpu: "c", lease: "l.lock", job: "7_1")))
        try store.commitCheckpoint(run: t.id, metrics: [MetricPoint(key: "loss", step: 1, epoch: 1, value: .nan, wallTime: 10),
                                                        MetricPoint(key: "loss", step: 2, epoch: 1, value: .infinity, wallTime: 11.25)],
                                   checkpoint: ArtifactFile(kind: "checkpoint", path: "/r/c", sha256: "aa", bytes: 3))
        try store.finish(run: t.id, summary: ["mAP": 61.25, "odd": .nan], artifacts: [ArtifactFile(kind: "model", path: "/r/m", sha256: "bb", bytes: 4)])
        let b = try XCTUnwrap(try store.claimNextRun(sweep: sweep.id))
        try store.markFailed(b.id, error: "boom\nline 2")
        _ = try store.claimNextRun(sweep: sweep.id)   // left running
        XCTAssertEqual(try store.runs(RunFilter(sweep: sweep.id)).map(\.status), [.finished, .failed, .running, .queued])
        XCTAssertEqual(runs.count, 4)
        return store
    }

    /// Everything of sweep `name` but ids, comparable across stores.
    func content(_ store: ExperimentStore, _ name: String) throws -> [String] {
        let sweep = try store.requireSweep(named: name)
        var out = ["sweep \(sweep.name) \(sweep.spec) \(sweep.createdAt.map { Int($0.timeIntervalSince1970 * 1000) } ?? -1) \(String(describing: try store.launch(sweep: sweep.id)))"]
        for r in try store.runs(RunFilter(sweep: sweep.id)) {
            let ms = { (d: Date?) in d.map { String(Int(($0.timeIntervalSince1970 * 1000).rounded())) } ?? "nil" }
            out.append([r.name, r.role.rawValue, r.status.rawValue, r.config, r.configHash, "\(r.seed)", r.codeVersion ?? "", r.datasetFingerprint ?? "",
                        r.host ?? "", "\(r.pid ?? -1)", "\(r.threads ?? -1)", r.blas ?? "", r.cpu ?? "", r.job ?? "", "\(r.attempts)", r.error ?? "",
                        ms(r.createdAt), ms(r.startedAt), ms(r.finishedAt), ms(r.heartbeatAt)].joined(separator: "|"))
            out.append("params \(try store.params(run: r.id).sorted { $0.key < $1.key })")
            out.append("summary \(try store.summary(run: r.id).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
            for k in try store.metricKeys(run: r.id) { out.append("metric \(k) \(try store.metricSeries(run: r.id, key: k).map { "\($0.step)/\($0.epoch)/\($0.value)/\($0.wallTime)" })") }
            out.append("artifacts \(try store.artifacts(run: r.id).map { "\($0.kind) \($0.path) \($0.sha256) \($0.bytes)" })")
        }
        return out
    }

    func testCopyThereAndBackKeepsEveryRowAndIsIdempotent() throws {
        let source = try populated()
        let target = try freshStore()
        let first = try source.copySweep(named: "s", to: target)
        XCTAssertTrue(first.copied)
        XCTAssertEqual([first.runs, first.metrics, first.summaries, first.artifacts], [4, 2, 2, 2])
        XCTAssertEqual(Set(first.runIDs.values), [1, 2, 3, 4], "the target's own ids")
        var expected = try content(source, "s")
        // The running run arrives interrupted, without its lease.
        expected = expected.map { line in
            guard line.hasPrefix("student-1|") else { return line }
            var f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            f[2] = "interrupted"; f[15] = "copied from \(source.path) while running; a re-run resumes it from its last checkpoint"
            return f.joined(separator: "|")
        }
        XCTAssertEqual(try content(target, "s"), expected)
        XCTAssertNil(try target.runs(RunFilter(name: "student-1")).first?.lease)
        XCTAssertEqual(try target.runs(RunFilter(name: "teacher")).first?.job, "7_1")

        let again = try source.copySweep(named: "s", to: target)
        XCTAssertFalse(again.copied, "identical: nothing copied")
        XCTAssertEqual(try target.runs().count, 4)

        // Back to a new SQLite file: the same rows again.
        let back = try ExperimentStore(path: tempDir() + "/back.sqlite")
        XCTAssertTrue(try target.copySweep(named: "s", to: back).copied)
        XCTAssertEqual(try content(back, "s"), expected)

        // A different sweep of the same name is refused, naming the difference, and nothing moves.
        try target.logMetric(run: first.runIDs.values.sorted()[0], key: "extra", step: 0, epoch: 0, value: 1)
        let m = message { try source.copySweep(named: "s", to: target) }
        XCTAssertTrue(m.contains("already has a different sweep named 's'") && m.contains("teacher: metric rows 3 there, 2 here"), m)
        XCTAssertEqual(try target.metricCount(), 3)
    }
}
