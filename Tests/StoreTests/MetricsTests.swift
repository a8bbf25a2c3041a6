// Metrics, summary, params, ranking, artifacts and comparison.
import XCTest
import Foundation
@testable import Store

final class MetricsTests: XCTestCase {
    func setUpRuns(_ name: String = #function, students: Int = 2) throws -> (ExperimentStore, [Run]) {
        let store = try freshStore(name)
        let runs = try store.enqueue(plan(students: students), sweep: store.findOrCreateSweep(name: "m", spec: ""))
        return (store, runs)
    }

    func testBatchSeriesNaNAndUpsert() throws {
        let (store, runs) = try setUpRuns()
        let id = runs[1].id
        var pts: [MetricPoint] = []
        for step in 0..<50 {
            pts.append(MetricPoint(key: "loss_ce", step: step, epoch: step / 10, value: 3 - Double(step) * 0.01, wallTime: 1000 + Double(step)))
            pts.append(MetricPoint(key: "lr", step: step, epoch: step / 10, value: 0.1, wallTime: 1000 + Double(step)))
        }
        pts.append(MetricPoint(key: "loss_kd", step: 7, epoch: 0, value: .nan, wallTime: 5))
        pts.append(MetricPoint(key: "loss_kd", step: 8, epoch: 0, value: .infinity, wallTime: 6))
        try store.logMetrics(run: id, pts)
        XCTAssertEqual(try store.metricCount(run: id), 102)
        XCTAssertEqual(try store.metricKeys(run: id), ["loss_ce", "loss_kd", "lr"])
        let ce = try store.metricSeries(run: id, key: "loss_ce")
        XCTAssertEqual(ce, pts.filter { $0.key == "loss_ce" })
        let kd = try store.metricSeries(run: id, key: "loss_kd")
        XCTAssertTrue(kd[0].value.isNaN); XCTAssertEqual(kd[1].value, .infinity)
        // Re-logging a step (resume from a checkpoint) replaces it instead of duplicating it.
        try store.logMetric(run: id, key: "loss_ce", step: 49, epoch: 4, value: 0.5)
        XCTAssertEqual(try store.metricCount(run: id), 102)
        let latest = try store.latestMetrics(run: id)
        XCTAssertEqual(latest["loss_ce"]?.value, 0.5)
        XCTAssertEqual(latest["loss_ce"]?.step, 49)
        XCTAssertEqual(latest["lr"]?.step, 49)
        XCTAssertEqual(try store.metricSeries(runs: [id, runs[0].id], key: "lr").mapValues(\.count), [id: 50, runs[0].id: 0])
    }

    func testBufferFlushesEveryNAndOnDemand() throws {
        let (store, runs) = try setUpRuns()
        let buf = MetricsBuffer(store: store, run: runs[0].id, flushEvery: 10)
        for step in 0..<4 { try buf.add(["loss_ce": 1, "loss_tri": 2, "lr": 0.1], step: step, epoch: 0) }
        XCTAssertEqual(try store.metricCount(run: runs[0].id), 12, "flushed once the 10th point arrived")
        XCTAssertEqual(buf.pending.count, 0)
        try buf.add("images_per_s", step: 4, epoch: 0, value: 120)
        XCTAssertEqual(try store.metricCount(run: runs[0].id), 12)
        try buf.flush()
        XCTAssertEqual(try store.metricCount(run: runs[0].id), 13)
    }

    func testLogMetricsRefreshesHeartbeat() throws {
        let (store, runs) = try setUpRuns()
        _ = try store.claimNextRun(sweep: nil)
        try store.execute(sql: "UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00.000Z' WHERE id = \(runs[0].id)")
        try store.logMetric(run: runs[0].id, key: "x", step: 0, epoch: 0, value: 1)
        XCTAssertGreaterThan(try store.run(runs[0].id).heartbeatAt!, Date(timeIntervalSinceNow: -60))
    }

    func testSummaryRankingAndCompare() throws {
        let (store, runs) = try setUpRuns(students: 3)
        for (i, _) in runs.enumerated() {
            _ = try store.claimNextRun(sweep: nil, worker: WorkerInfo(host: "h", pid: 1, threads: 2,
                                                                      blas: i == 2 ? "OpenBLAS Prescott" : "OpenBLAS SkylakeX", cpu: "c"))
        }
        for (r, map) in zip(runs, [0.80, 0.55, 0.61, 0.61]) {
            try store.setSummary(run: r.id, ["mAP": map, "R1": map + 0.1, "params": 11_000_000])
        }
        try store.setSummary(run: runs[3].id, ["mINP": .nan])
        for r in runs.prefix(3) { try store.markFinished(r.id) }
        try store.markFailed(runs[3].id, error: "x")
        XCTAssertTrue(try store.summary(run: runs[3].id)["mINP"]!.isNaN)
        let best = try store.ranked(by: "mAP", filter: RunFilter(roles: [.baseline, .student]))
        XCTAssertEqual(best.map(\.run.id), [runs[2].id, runs[1].id], "the failed run is not a candidate")
        XCTAssertEqual(best.map(\.value), [0.61, 0.55])
        XCTAssertEqual(try store.ranked(by: "mAP", goal: .minimize).map(\.run.id), [runs[1].id, runs[2].id, runs[0].id])
        XCTAssertEqual(try store.ranked(by: "missing").count, 0)

        let c = try store.compare(runs[1].id, runs[2].id)
        XCTAssertEqual(c.provenanceDiffs, [.init(key: "BLAS", a: "OpenBLAS SkylakeX", b: "OpenBLAS Prescott")],
                       "a different BLAS kernel is flagged: it can move the metrics by itself")
        XCTAssertTrue(RunsView.compare(c).contains("provenance differs"))
        XCTAssertEqual(try store.compare(runs[0].id, runs[1].id).provenanceDiffs, [])
        XCTAssertEqual(c.paramDiffs.map(\.key), ["kd.method", "kd.temperature", "seed"])
        XCTAssertEqual(c.paramDiffs[0], .init(key: "kd.method", a: "none", b: "logit"))
        XCTAssertEqual(c.sameParams, 2)
        let map = try XCTUnwrap(c.summary.first { $0.key == "mAP" })
        XCTAssertEqual(map.delta!, 0.06, accuracy: 1e-12)
        let t = try store.compare(runs[0].id, runs[1].id)
        XCTAssertEqual(t.paramDiffs.first { $0.key == "kd.method" }, .init(key: "kd.method", a: nil, b: "none"))
        XCTAssertEqual(c.latestMetrics, [])
        try store.logMetric(run: runs[1].id, key: "loss_ce", step: 9, epoch: 1, value: 2)
        try store.logMetric(run: runs[2].id, key: "loss_ce", step: 9, epoch: 1, value: 1.5)
        XCTAssertEqual(try store.compare(runs[1].id, runs[2].id).latestMetrics.map(\.delta), [-0.5])
        XCTAssertEqual(message { try store.compare(runs[0].id, 77) }, StoreError.unknownRun(id: 77, path: store.path).description)
    }

    func testArtifactsWithDigest() throws {
        let (store, runs) = try setUpRuns()
        let file = tempDir() + "/model.safetensors"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: file))
        let a = try store.recordArtifact(run: runs[0].id, kind: "checkpoint", file: file)
        XCTAssertEqual(a.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(a.bytes, 3)
        try Data("abcd".utf8).write(to: URL(fileURLWithPath: file))
        try store.recordArtifact(run: runs[0].id, kind: "checkpoint", file: file)
        XCTAssertEqual(try store.artifacts(run: runs[0].id).map(\.bytes), [4], "same path is updated, not duplicated")
        let m = message { try store.recordArtifact(run: runs[0].id, kind: "log", file: file + ".missing") }
        XCTAssertTrue(m.contains("cannot read artifact") && m.contains(".missing"), m)
    }

    func testForeignKeysRejectMetricsOfUnknownRun() throws {
        let (store, _) = try setUpRuns()
        let m = message { try store.logMetric(run: 12345, key: "x", step: 0, epoch: 0, value: 1) }
        XCTAssertTrue(m.lowercased().contains("foreign key") && m.contains("run 12345"), m)
    }
}

final class SeedGroupTests: XCTestCase {
    func testRunsDifferingOnlyInSeedAreGrouped() throws {
        let store = try freshStore()
        let sweep = try store.findOrCreateSweep(name: "g", spec: "")
        func spec(_ name: String, kd: String, seed: Int) -> RunSpec {
            RunSpec(name: name, role: kd == "none" ? .baseline : .student, config: "{}", configHash: name, seed: seed,
                    params: ["kd.method": kd, "train.seed": "\(seed)", "SEED": "\(seed)", "OUTPUT_DIR": "results/g/\(name)", "model": "r18"])
        }
        let runs = try store.enqueue([spec("b1", kd: "none", seed: 1), spec("k1", kd: "logit", seed: 1),
                                      spec("b2", kd: "none", seed: 2), spec("k2", kd: "logit", seed: 2),
                                      spec("k3", kd: "logit", seed: 3)], sweep: sweep)
        for (r, v) in zip(runs, [0.50, 0.60, 0.52, 0.64, 0.62]) {
            _ = try store.claimNextRun(sweep: sweep.id)
            try store.setSummary(run: r.id, ["mAP": v]); try store.markFinished(r.id)
        }
        let groups = try store.seedGroups(metric: "mAP", filter: RunFilter(sweep: sweep.id))
        XCTAssertEqual(groups.count, 2)
        XCTAssertEqual(groups[0].role, .baseline)
        XCTAssertEqual(groups[0].runs.map(\.name), ["b1", "b2"])
        XCTAssertEqual(groups[0].mean, 0.51, accuracy: 1e-12)
        XCTAssertEqual(groups[0].std, 0.02.squareRoot() * 0.1, accuracy: 1e-12)   // sample std of {0.50, 0.52}
        XCTAssertEqual(groups[1].n, 3)
        XCTAssertEqual(groups[1].mean, 0.62, accuracy: 1e-12)
        XCTAssertEqual(groups[1].std, 0.02, accuracy: 1e-12)                       // {0.60, 0.64, 0.62}
        XCTAssertEqual(groups[1].params.map(\.key), ["kd.method", "model"], "seed keys (any case) and run folders are not part of the group")
    }
}
