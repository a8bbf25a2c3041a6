// Early stopping and random search: the median and ASHA rules on hand-made values, their check
// epochs, a tiny sweep whose student is pruned (status `pruned`, record and checkpoint kept,
// listed apart in the report with the compute saved), and reproducible random-search trials
// drawn within their distributions.
import XCTest
import Foundation
import Store
import Config
@testable import Distill

final class PruneRuleTests: XCTestCase {
    func testMedianRule() {
        var p = PruneSpec(); p.rule = .median; p.minRuns = 3
        XCTAssertNil(p.shouldPrune(value: 0.1, others: [0.5, 0.6]), "fewer than min_runs others: never pruned")
        XCTAssertNotNil(p.shouldPrune(value: 0.4, others: [0.5, 0.6, 0.3]), "below the median 0.5")
        XCTAssertNil(p.shouldPrune(value: 0.5, others: [0.5, 0.6, 0.3]), "at the median: kept")
        XCTAssertNotNil(p.shouldPrune(value: 0.44, others: [0.3, 0.4, 0.5, 0.6]), "even count: median 0.45")
        p.warmup = 4; p.every = 2
        XCTAssertEqual(p.checkEpochs(maxEpoch: 10), [4, 6, 8])
        XCTAssertEqual(p.checkEpochs(maxEpoch: 4), [], "never at the last epoch")
    }

    func testASHARule() {
        var p = PruneSpec(); p.rule = .asha; p.reduction = 3; p.warmup = 2
        XCTAssertEqual(p.checkEpochs(maxEpoch: 30), [2, 6, 18])
        XCTAssertNil(p.shouldPrune(value: 0.2, others: []), "the first run at a rung is its best")
        XCTAssertNotNil(p.shouldPrune(value: 0.2, others: [0.3]), "fewer than η: only the best continues")
        XCTAssertNil(p.shouldPrune(value: 0.9, others: [0.3, 0.5]))
        // Six values: the top 6/3 = 2 continue.
        XCTAssertNil(p.shouldPrune(value: 0.8, others: [0.1, 0.2, 0.3, 0.4, 0.9]))
        XCTAssertNotNil(p.shouldPrune(value: 0.4, others: [0.1, 0.2, 0.3, 0.8, 0.9]))
    }

    func testSweepFileParsesPruneAndSearch() throws {
        let spec = try SweepSpec.parse("""
            name: s
            student: {config: base.yaml}
            baseline: true
            prune: {metric: R1, rule: asha, warmup: 2, reduction: 2}
            search: {kind: random, trials: 4, seed: 7, space: {SOLVER.BASE_LR: {loguniform: [1e-4, 1e-2]}, KD.METHOD: {choice: [kl, dkd]}}}
            """)
        XCTAssertEqual(spec.prune?.rule, .asha); XCTAssertEqual(spec.prune?.evalKey, "eval_rank1"); XCTAssertEqual(spec.prune?.reduction, 2)
        XCTAssertEqual(SweepPlan(spec).runs.filter { $0.role == .student }.map(\.name),
                       ["student-trial001-s1", "student-trial002-s1", "student-trial003-s1", "student-trial004-s1"])
        for (text, part) in [("prune: {rule: quick}", "not a rule"), ("prune: {metric: loss}", "not an evaluation metric"),
                             ("search: {kind: tpe, trials: 2, space: {SEED: {int: [1, 2]}}}", "not a search kind"),
                             ("search: {trials: 2, space: {SOLVER.BASE_LR: {loguniform: [0, 1]}}}", "low > 0"),
                             ("search: {trials: 2, space: {SEED: {int: [5, 1]}}}", "low < high"),
                             ("search: {trials: 2, space: {SEED: {normal: [0, 1]}}}", "not a distribution")] {
            XCTAssertThrowsError(try SweepSpec.parse("name: s\nstudent: {config: b.yaml}\nbaseline: true\n" + text)) {
                XCTAssertTrue("\($0)".contains(part), "\(text): \($0)")
            }
        }
    }

    func testRandomSearchIsReproducibleAndWithinItsDistributions() {
        let s = RandomSearch(trials: 400, seed: 3, space: [("A", .uniform(-1, 2)), ("B", .logUniform(1e-4, 1e-1)),
                                                           ("C", .int(2, 4)), ("D", .choice(["x", "y"]))])
        let p = s.points()
        XCTAssertEqual(p.map { $0.map(\.value) }, s.points().map { $0.map(\.value) }, "same seed, same trials")
        XCTAssertNotEqual(p.map { $0.map(\.value) }, RandomSearch(trials: 400, seed: 4, space: s.space).points().map { $0.map(\.value) })
        let a = p.map { Double($0[0].value)! }, b = p.map { Double($0[1].value)! }, c = p.map { Int($0[2].value)! }
        XCTAssertTrue(a.allSatisfy { $0 >= -1 && $0 < 2 })
        XCTAssertTrue(b.allSatisfy { $0 >= 1e-4 && $0 < 1e-1 })
        // Log-uniform: about a third of the draws per decade.
        let lowDecade = b.filter { $0 < 1e-3 }.count
        XCTAssertTrue((90...180).contains(lowDecade), "\(lowDecade) of 400 in [1e-4, 1e-3)")
        XCTAssertEqual(Set(c), [2, 3, 4], "int bounds are both included")
        XCTAssertEqual(Set(p.map { $0[3].value }), ["x", "y"])
    }
}

final class PrunedSweepTests: XCTestCase {
    func testAStudentBelowTheMedianIsPrunedAndReportedApart() throws {
        let dir = NSTemporaryDirectory() + "reidkd-prune-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 4, evalPeriod: 100)
        try """
        name: p
        teacher: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25, SOLVER.MAX_EPOCH: 1}}
        student: {config: base.yaml}
        grid: {KD.METHOD: [kl, mse]}
        seeds: [1]
        prune: {metric: mAP, rule: median, warmup: 2, every: 1, min_runs: 1}
        """.write(toFile: "\(dir)/p.yaml", atomically: true, encoding: .utf8)
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/p.yaml"), specPath: "\(dir)/p.yaml", store: store,
                                     resultsRoot: "\(dir)/results")
        runner.log = { _ in }
        let ds = try runner.dataset(for: runner.runs[0].config)
        let sweep = try runner.record(fingerprint: try ds.fingerprint())
        _ = try runner.work(sweep: sweep, roles: [.teacher], dataset: ds)
        // The second student has "reported" a perfect mAP at epoch 2: the first, below that
        // median, stops there.
        let students = try store.runs(RunFilter(sweep: sweep.id, roles: [.student]))
        try store.logMetric(run: students[1].id, key: "eval_mAP", step: 1, epoch: 2, value: 1.0)
        let out = try runner.work(sweep: sweep, roles: [.student], dataset: ds)
        let first = try store.run(students[0].id)
        XCTAssertEqual(first.status, .pruned)
        XCTAssertTrue(first.error?.contains("pruned at epoch 2") == true && first.error?.contains("below the median") == true, first.error ?? "")
        let s = try store.summary(run: first.id)
        XCTAssertEqual(s["pruned_at_epoch"], 2); XCTAssertEqual(s["epochs_saved"], 2)
        XCTAssertNotNil(s["mAP"], "a pruned run keeps its record")
        XCTAssertTrue(try store.artifacts(run: first.id).contains { $0.kind == "checkpoint" })
        XCTAssertEqual(try store.metricSeries(run: first.id, key: "epoch_seconds").count, 2, "it trained two epochs, not four")
        // The second compares with the first's real value at epoch 2: pruned exactly when below it.
        let second = try store.run(students[1].id)
        func atEpoch2(_ id: Int64) throws -> Double {
            try XCTUnwrap(try store.metricAtEpoch(sweep: sweep.id, key: "eval_mAP", epoch: 2, roles: [.student]).first { $0.run == id }?.value)
        }
        XCTAssertEqual(second.status, try atEpoch2(second.id) < atEpoch2(first.id) ? .pruned : .finished)
        XCTAssertEqual(out.pruned, second.status == .pruned ? 2 : 1)
        // A re-run leaves a pruned run alone.
        XCTAssertEqual(try store.requeue(sweep: sweep.id, statuses: [.interrupted, .failed, .diverged]), [])
    }
}
