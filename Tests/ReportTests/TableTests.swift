// The student-vs-teacher table, factor table and Pareto front on the hand-made fixture store,
// against values worked out by hand (see Fixtures.runs).
import XCTest
import Store
@testable import Report

final class TableTests: XCTestCase {
    var model: ReportModel!

    override func setUpWithError() throws {
        let dir = Fixtures.tempDir("table", self)
        let store = try Fixtures.makeStore(at: dir, enumStyle: true)
        model = ReportModel.build(try ReportSource.load(store: store, selection: .sweep("fx")))
    }

    func row(_ name: String) throws -> TableRow { try XCTUnwrap(model.table.rows.first { $0.name == name }, "no row \(name)") }

    func testRowsGroupSeedsTeacherFirstBaselinesMarked() throws {
        let rows = model.table.rows
        XCTAssertEqual(rows.map(\.name), ["teacher", "r18-baseline", "r18-kl", "r18-klmse", "mbv2-baseline", "mbv2-kl"])
        XCTAssertEqual(rows.map(\.isBaseline), [false, true, false, false, true, false])
        XCTAssertEqual(try row("r18-kl").runIDs, [3, 6])
        XCTAssertEqual(try row("r18-kl").seeds, [1, 2])
        XCTAssertEqual(try row("r18-kl").backbone, "resnet18 ×0.25")
        XCTAssertEqual(try row("mbv2-kl").backbone, "mobilenetv2 ×0.5")
        XCTAssertEqual(try row("r18-klmse").kdMethod, "kl+mse")
        XCTAssertEqual(try row("r18-klmse").kdWeights, "T=4 logit=1 embed=1")
        XCTAssertEqual(try row("r18-kl").kdWeights, "T=4 logit=1")
        XCTAssertEqual(model.source.unfinished.map(\.name), ["mbv2-klmse-s1"])
    }

    /// Each distilled row says where its teacher outputs came from (the runs' cache hit rates).
    func testTeacherOutputsCachedOrOnline() throws {
        XCTAssertEqual(try row("r18-kl").teacherOutputs, "cached (hits 75%)")
        XCTAssertEqual(try row("r18-klmse").teacherOutputs, "online")
        XCTAssertEqual(try row("teacher").teacherOutputs, "—")
        XCTAssertEqual(try row("r18-baseline").teacherOutputs, "—")
        let md = MarkdownReport.table(model.table)
        XCTAssertTrue(md.contains("| teacher outputs |") && md.contains("| cached (hits 75%) |"), md)
        XCTAssertTrue(CSVReport.document(model.table).contains(",\"cached (hits 75%)\",") || CSVReport.document(model.table).contains(",cached (hits 75%),"))
    }

    func testMeanStdRetainedDeltaGapSpeedup() throws {
        let kl = try row("r18-kl"), km = try row("r18-klmse"), mb = try row("mbv2-kl"), base = try row("r18-baseline")
        XCTAssertEqual(base.mAP!.mean, 32, accuracy: 1e-12)
        XCTAssertEqual(base.mAP!.std!, 8.0.squareRoot(), accuracy: 1e-12)       // (30, 34): sample std √8
        XCTAssertEqual(km.mAP!.mean, 43, accuracy: 1e-12)
        XCTAssertEqual(km.mAP!.std!, 32.0.squareRoot(), accuracy: 1e-12)         // (39, 47)
        // 95% interval of (40, 44): 42 ± t₀.₉₇₅(1)·√8/√2 (scipy, Scripts/student_t_golden.py).
        XCTAssertEqual(kl.mAP!.ci!.low, 16.58759052765061, accuracy: 1e-9)
        XCTAssertEqual(kl.mAP!.ci!.high, 67.4124094723494, accuracy: 1e-9)
        XCTAssertEqual(kl.mAP!.method, .seeds)
        XCTAssertNil(kl.mAP!.withinNoise, "a plain mean has no 'within noise' (0 is no reference for it)")
        XCTAssertEqual(kl.mAPRetainedPct!.mean, 70, accuracy: 1e-12)              // 42 / 60
        XCTAssertEqual(kl.mAPRetainedPct!.std!, 100 * 8.0.squareRoot() / 60, accuracy: 1e-12)
        XCTAssertEqual(kl.mAPRetainedPct!.ci!.high, 100 * 67.4124094723494 / 60, accuracy: 1e-9)
        // Δ paired by seed: (40 − 30, 44 − 34) = (10, 10): no spread at all, clear of 0.
        XCTAssertEqual(kl.deltaMAP!.mean, 10, accuracy: 1e-12)
        XCTAssertEqual(kl.deltaMAP!.method, .paired)
        XCTAssertEqual(kl.deltaMAP!.std!, 0, accuracy: 1e-12)
        XCTAssertEqual(kl.deltaMAP!.ci!.low, 10, accuracy: 1e-12)
        XCTAssertEqual(kl.deltaMAP!.withinNoise, false)
        // (39 − 30, 47 − 34) = (9, 13): 11 ± 12.706·√8/√2 → [−14.41, 36.41], within noise.
        XCTAssertEqual(km.deltaMAP!.mean, 11, accuracy: 1e-12)
        XCTAssertEqual(km.deltaMAP!.std!, 8.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(km.deltaMAP!.ci!.low, -14.412409472349388, accuracy: 1e-9)
        XCTAssertEqual(km.deltaMAP!.ci!.high, 36.41240947234939, accuracy: 1e-9)
        XCTAssertEqual(km.deltaMAP!.withinNoise, true)
        // Gap closed = Δ ÷ (teacher − baseline mean): (42 − 32)/(60 − 32), its interval Δ's ÷ 28.
        XCTAssertEqual(kl.gapClosed!.mean, 10.0 / 28, accuracy: 1e-12)
        XCTAssertEqual(km.gapClosed!.mean, 11.0 / 28, accuracy: 1e-12)
        XCTAssertEqual(km.gapClosed!.ci!.low, -14.412409472349388 / 28, accuracy: 1e-9)
        XCTAssertEqual(km.gapClosed!.withinNoise, true)
        XCTAssertEqual(km.gapClosed!.method, .paired)
        XCTAssertEqual(kl.speedup!.mean, 4, accuracy: 1e-12)                      // 4 ms / 1 ms per seed
        XCTAssertEqual(kl.speedup!.n, 2)
        // One seed a side (mbv2): a paired Δ of n = 1, no std and no interval.
        XCTAssertEqual(mb.deltaMAP!.mean, 6, accuracy: 1e-12)                     // its own baseline: 26 − 20
        XCTAssertEqual(mb.deltaMAP!.n, 1)
        XCTAssertNil(mb.deltaMAP!.std)
        XCTAssertNil(mb.deltaMAP!.ci)
        XCTAssertNil(mb.deltaMAP!.withinNoise)
        XCTAssertEqual(mb.gapClosed!.mean, 6.0 / 40, accuracy: 1e-12)
        XCTAssertEqual(mb.baselineName, "mbv2-baseline")
        XCTAssertEqual(kl.sizeMB!.mean, 2, accuracy: 1e-12)                       // 2,000,000 bytes
        XCTAssertNil(base.deltaMAP)
        XCTAssertNil(model.table.rows[0].mAPRetainedPct)
        XCTAssertEqual(CellFormat.cell(kl, .mAP), "42.00 ± 2.83")
        XCTAssertEqual(CellFormat.cell(kl, .gap), "36% ± 0%")
        XCTAssertEqual(CellFormat.cell(kl, .delta), "+10.00 ± 0.00")
        XCTAssertEqual(CellFormat.cell(km, .delta), "+11.00 ± 2.83 (within noise)")
        XCTAssertEqual(CellFormat.cell(km, .gap), "39% ± 10% (within noise)")
        XCTAssertEqual(CellFormat.cell(kl, .speedup), "4.00× ± 0.00")
        XCTAssertEqual(CellFormat.cell(kl, .gflops), "0.250", "a model property: no spread")
        XCTAssertEqual(CellFormat.cell(mb, .mAP), "26.00")                        // one seed: no ± part
        XCTAssertEqual(CellFormat.interval(kl, .mAP), "[16.59, 67.41]")
        XCTAssertEqual(CellFormat.interval(km, .delta), "[-14.41, +36.41] paired, within noise")
        XCTAssertEqual(CellFormat.interval(kl, .delta), "[+10.00, +10.00] paired")
        XCTAssertEqual(CellFormat.interval(mb, .mAP), "no interval (1 seed)")
        XCTAssertEqual(CellFormat.interval(mb, .delta), "no interval (1 seed) paired")
    }

    func testBestPerColumnAmongNonTeacherRows() throws {
        // mAP: r18-klmse leads (43) but every other student is within noise of it (two seeds, or
        // one): no ★, and since that is every row, no mark at all in the column.
        for r in model.table.rows { XCTAssertFalse(r.best.contains("mAP") || r.tiedBest.contains("mAP"), r.name) }
        XCTAssertTrue(model.table.rows[0].best.isEmpty && model.table.rows[0].tiedBest.isEmpty, "the teacher is the reference, never marked")
        // Model properties are exact: both MobileNet rows tie at 0.1 GFLOPs, both clearly best.
        XCTAssertTrue(try row("mbv2-kl").best.contains("GFLOPs"))
        XCTAssertTrue(try row("mbv2-baseline").best.contains("GFLOPs"))
        XCTAssertFalse(try row("r18-kl").best.contains("GFLOPs") || row("r18-kl").tiedBest.contains("GFLOPs"))
        // Δ mAP: r18-kl (10, 10 over its baseline) vs r18-klmse (9, 13), paired: within noise; mbv2-kl
        // has one seed. All tied: no mark.
        XCTAssertFalse(try row("r18-klmse").tiedBest.contains("delta_mAP") || row("r18-klmse").best.contains("delta_mAP"))
        XCTAssertEqual(model.table.bestStudentIndex.map { model.table.rows[$0].name }, "r18-klmse")
        XCTAssertEqual(model.table.bestStudentTies.map { model.table.rows[$0].name }, ["r18-baseline", "r18-kl", "mbv2-baseline", "mbv2-kl"])
        XCTAssertEqual(model.bestStudentRun?.run.id, 7, "the best row's highest-mAP seed")
        XCTAssertTrue(MarkdownReport.table(model.table).contains("| 43.00 ± 5.66 |"), "no star within noise")
        XCTAssertTrue(MarkdownReport.table(model.table).contains("| **0.100** ★ |"))
    }

    func testParetoFront() throws {
        let names = model.paretoGFLOPs.map { model.table.rows[$0].name }
        XCTAssertEqual(names, ["mbv2-kl", "r18-klmse", "teacher"])
        XCTAssertEqual(Pareto.front([(1, 1), (1, 1), (2, 0.5), (0.5, 0.2), (.nan, 9)]), [3, 0, 1])
        XCTAssertEqual(Pareto.front([]), [])
    }

    func testFactorsVaryAcrossStudentsWithBaselineLevel() throws {
        XCTAssertEqual(model.factors.map(\.name), ["KD method", "backbone"], "T and the weights do not vary: not factors; SEED/OUTPUT_DIR are bookkeeping")
        let kd = model.factors[0]
        XCTAssertEqual(kd.levels.map(\.level), ["none", "kl", "kl+mse"])
        XCTAssertEqual(kd.levels[0].mAP!.mean, 28, accuracy: 1e-12)               // 30, 34, 20
        XCTAssertEqual(kd.levels[1].mAP!.mean, 110.0 / 3, accuracy: 1e-12)        // 40, 44, 26
        XCTAssertEqual(kd.levels[2].mAP!.n, 2, "the failed kl+mse run is left out")
        let bb = model.factors[1]
        XCTAssertEqual(bb.levels.map(\.level), ["resnet18 ×0.25", "mobilenetv2 ×0.5"])
        XCTAssertTrue(bb.keys.contains("SOLVER.OPT"), "a key set per architecture belongs to the backbone factor: \(bb.keys)")
        XCTAssertEqual(bb.levels[0].mAP!.mean, 42.5, accuracy: 1e-12)
    }

    func testReusedTeacherIsNoted() throws {
        let dir = Fixtures.tempDir("reuse", self)
        let store = try Fixtures.makeStore(at: dir, artifacts: false)
        try store.setSummary(run: 1, ["reused_from_run": 42])
        let t = ComparisonTable.build(try ReportSource.load(store: store, selection: .runs([1, 2, 5])).records)
        XCTAssertTrue(t.notes.contains { $0.contains("reuses run 42") }, "\(t.notes)")
        XCTAssertEqual(t.rows.map(\.name), ["teacher", "r18-baseline"])
    }

    func testParamTextDecodesBothStoredForms() throws {
        XCTAssertEqual(ParamText.plain("string(\"kl+mse\")"), "kl+mse")
        XCTAssertEqual(ParamText.plain("double(0.25)"), "0.25")
        XCTAssertEqual(ParamText.plain("int(18)"), "18")
        XCTAssertEqual(ParamText.plain("bool(false)"), "false")
        XCTAssertEqual(ParamText.plain("list([NN.ConfigValue.int(64), NN.ConfigValue.int(32)])"), "[64, 32]")
        XCTAssertEqual(ParamText.plain("list([NN.ConfigValue.string(\"a,b\")])"), "[a,b]")
        XCTAssertEqual(ParamText.plain("kl"), "kl")
        XCTAssertEqual(ParamText.short("4.0"), "4")
        XCTAssertEqual(try ReportSelection.parseRunIDs("1,3,5-7,3"), [1, 3, 5, 6, 7])
    }
}
