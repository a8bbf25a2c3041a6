// A tiny sweep end to end through the store: teacher stage, baseline, distilled student and a
// diverging run that is isolated; re-running skips finished runs.
import XCTest
import Foundation
import Store
import Eval
import BuildInfo
@testable import Distill

final class SweepRunnerTests: XCTestCase {
    func testTinySweepEndToEnd() throws {
        let dir = NSTemporaryDirectory() + "reidkd-sweep-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 1, evalPeriod: 1)
        let yaml = """
        name: t
        teacher: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25}}
        student: {config: base.yaml}
        grid: {KD.METHOD: [kl]}
        runs:
          - {KD.METHOD: kl, MODEL.LOSSES.CE.SCALE: 1e300}
        seeds: [1]
        baseline: true
        """
        try yaml.write(toFile: "\(dir)/t.yaml", atomically: true, encoding: .utf8)
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/t.yaml"), specPath: "\(dir)/t.yaml", store: store,
                                     resultsRoot: "\(dir)/results")
        runner.log = { _ in }
        let ds = try runner.dataset(for: runner.runs[0].config)
        let sweep = try runner.record(fingerprint: try ds.fingerprint())
        let t = try runner.work(sweep: sweep, roles: [.teacher], dataset: ds)
        XCTAssertEqual(t.finished, 1)
        let s = try runner.work(sweep: sweep, roles: [.baseline, .student], dataset: ds)
        XCTAssertEqual(s.finished, 2)
        XCTAssertEqual(s.failed, 1)
        let runs = try store.runs(RunFilter(sweep: sweep.id))
        XCTAssertEqual(runs.map(\.status), [.finished, .finished, .finished, .diverged])
        // Provenance: the commit of this build, the dataset's content, the BLAS kernel, the CPU.
        XCTAssertTrue(runs.allSatisfy { $0.codeVersion == BuildInfo.codeVersion && $0.datasetFingerprint == (try? ds.fingerprint()) })
        XCTAssertTrue(runs.allSatisfy { $0.blas?.contains("OpenBLAS") == true && $0.cpu?.contains("family") == true && $0.threads != nil })
        XCTAssertTrue(runs[3].error?.contains("diverged") ?? false)
        for r in runs.prefix(3) {
            let summary = try store.summary(run: r.id)
            XCTAssertNotNil(summary["mAP"]); XCTAssertNotNil(summary["gflops"]); XCTAssertNotNil(summary["latency_ms_b1"])
            let arts = try store.artifacts(run: r.id)
            // The resume point is recorded with each epoch's metrics; the rest when the run ends.
            XCTAssertEqual(arts.map(\.kind), ["checkpoint", "model", "eval", "ranklist", "log"])
            func art(_ kind: String) -> String { arts.first { $0.kind == kind }!.path }
            XCTAssertTrue(try String(contentsOfFile: art("log"), encoding: .utf8).contains("eval epoch 1"), "per-run log")
            // eval.json carries the CMC curve the report plots; its rank-1 is the summary's R1.
            let eval = try JSONDecoder().decode(EvalResult.self, from: Data(contentsOf: URL(fileURLWithPath: art("eval"))))
            XCTAssertEqual(eval.cmc[0] * 100, summary["R1"]!, accuracy: 1e-9)
            let lists = try RankList.load(art("ranklist"))
            XCTAssertEqual(lists.queries.count, min(16, ds.query.count))
            XCTAssertTrue(lists.queries.allSatisfy { !$0.gallery.isEmpty && $0.gallery.count <= 10 })
        }
        // Every run shows the same report queries.
        func rankList(_ run: Run) throws -> String { try store.artifacts(run: run.id).first { $0.kind == "ranklist" }!.path }
        let q0 = try RankList.load(try rankList(runs[0])).queries.map(\.query.index)
        XCTAssertEqual(try RankList.load(try rankList(runs[1])).queries.map(\.query.index), q0)
        XCTAssertFalse(try store.metricKeys(run: runs[2].id).filter { $0 == "loss_kd" }.isEmpty, "KD term logged")
        // Re-running the sweep claims nothing: finished and diverged runs stay as they are.
        try runner.record(fingerprint: ds.fingerprint())
        XCTAssertEqual(try runner.work(sweep: sweep, roles: [.teacher, .baseline, .student], dataset: ds).finished, 0)
        // Another sweep with the same teacher config and dataset reuses the trained teacher.
        try yaml.replacingOccurrences(of: "name: t", with: "name: t2").write(toFile: "\(dir)/t2.yaml", atomically: true, encoding: .utf8)
        let other = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/t2.yaml"), specPath: "\(dir)/t2.yaml", store: store,
                                    resultsRoot: "\(dir)/results")
        other.log = { _ in }
        let sweep2 = try other.record(fingerprint: ds.fingerprint())
        XCTAssertEqual(try other.work(sweep: sweep2, roles: [.teacher], dataset: ds).finished, 1)
        let teacher2 = try XCTUnwrap(try store.runs(RunFilter(sweep: sweep2.id, roles: [.teacher])).first)
        XCTAssertEqual(try store.summary(run: teacher2.id)["reused_from_run"], Double(runs[0].id))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/results/t2/teacher/model.safetensors"))
        XCTAssertEqual(try store.artifacts(run: teacher2.id).map(\.kind), ["model", "eval", "ranklist", "log"])
        XCTAssertTrue(try store.artifacts(run: teacher2.id).allSatisfy { $0.path.hasPrefix("\(dir)/results/t2/teacher/") })
    }
}
