// Run dependencies (migration v5) and early stopping's store side (v4), on the backend under
// test: a run is claimable only once every run it names has finished with a model; runs blocked
// by a dependency that ended without one are failed; a run may end `pruned`; and the metric
// rows an early-stopping rule compares are read per epoch.
import XCTest
import Foundation
@testable import Store

final class DependencyTests: XCTestCase {
    func spec(_ name: String, _ role: RunRole, dependsOn: [String] = []) -> RunSpec {
        RunSpec(name: name, role: role, config: "{}", configHash: "h-\(name)", seed: 1, dependsOn: dependsOn)
    }

    func finishWithModel(_ store: ExperimentStore, _ id: Int64) throws {
        try store.finish(run: id, summary: ["mAP": 1], artifacts: [ArtifactFile(kind: "model", path: "/m/\(id)", sha256: "00", bytes: 1)])
    }

    func testClaimWaitsForEveryDependencyAndBlockedRunsFail() throws {
        let store = try freshStore()
        let sweep = try store.findOrCreateSweep(name: "ta", spec: "")
        let runs = try store.enqueue([spec("teacher-a", .teacher), spec("teacher-b", .teacher),
                                      spec("assistant", .teacher, dependsOn: ["teacher-a", "teacher-b"]),
                                      spec("s1", .student, dependsOn: ["assistant"]), spec("s11", .student, dependsOn: ["assistant1"])],
                                     sweep: sweep)
        XCTAssertEqual(runs[2].dependsOn, ["teacher-a", "teacher-b"])
        let a = try XCTUnwrap(try store.claimNextRun(sweep: sweep.id))
        let b = try XCTUnwrap(try store.claimNextRun(sweep: sweep.id))
        XCTAssertEqual([a.name, b.name], ["teacher-a", "teacher-b"])
        // 's11' names 'assistant1', which is no run: names are matched whole, so 'assistant' does not hold it back.
        XCTAssertEqual(try store.claimNextRun(sweep: sweep.id)?.name, "s11")
        XCTAssertNil(try store.claimNextRun(sweep: sweep.id), "the assistant waits for both teachers")
        try finishWithModel(store, a.id)
        XCTAssertNil(try store.nextClaimableRun(sweep: sweep.id), "one teacher is not enough")
        try finishWithModel(store, b.id)
        XCTAssertEqual(try store.claimNextRun(sweep: sweep.id)?.name, "assistant")
        XCTAssertNil(try store.claimNextRun(sweep: sweep.id), "s1 waits for the assistant")
        try store.markFailed(runs[2].id, error: "boom")
        XCTAssertEqual(try store.failBlockedRuns(sweep: sweep.id), [runs[3].id])
        let s1 = try store.run(runs[3].id)
        XCTAssertEqual(s1.status, .failed)
        XCTAssertTrue(s1.error?.contains("run assistant") ?? false, s1.error ?? "")
        XCTAssertNotNil(s1.finishedAt)
        XCTAssertEqual(try store.failBlockedRuns(sweep: sweep.id), [], "nothing left to fail")
    }

    func testPrunedEndAndMetricAtEpoch() throws {
        let store = try freshStore()
        let sweep = try store.findOrCreateSweep(name: "p", spec: "")
        let runs = try store.enqueue([spec("t", .teacher), spec("s1", .student), spec("s2", .student)], sweep: sweep)
        for r in runs {
            _ = try store.start(r.id)
            try store.logMetrics(run: r.id, [MetricPoint(key: "eval_mAP", step: 1, epoch: 2, value: Double(r.id)),
                                             MetricPoint(key: "eval_mAP", step: 3, epoch: 2, value: Double(r.id) * 10),
                                             MetricPoint(key: "eval_mAP", step: 5, epoch: 4, value: 99)])
        }
        let got = try store.metricAtEpoch(sweep: sweep.id, key: "eval_mAP", epoch: 2, roles: [.student])
        XCTAssertEqual(got.map(\.run), [runs[1].id, runs[2].id])
        XCTAssertEqual(got.map(\.value), [Double(runs[1].id) * 10, Double(runs[2].id) * 10], "the epoch's last step")
        try store.finish(run: runs[1].id, summary: ["pruned_at_epoch": 2], artifacts: [], as: .pruned, note: "below the median at epoch 2")
        let pruned = try store.run(runs[1].id)
        XCTAssertEqual(pruned.status, .pruned)
        XCTAssertEqual(pruned.error, "below the median at epoch 2")
        XCTAssertEqual(try store.summary(run: runs[1].id)["pruned_at_epoch"], 2)
        XCTAssertEqual(try store.runs(RunFilter(sweep: sweep.id, statuses: [.pruned])).map(\.id), [runs[1].id])
    }
}
