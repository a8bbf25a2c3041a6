// The report says where its numbers came from — code version, dataset, BLAS kernel, CPU,
// threads — warns when the compared runs differ in any of them, and gives every extra
// DATASETS.TESTS entry a table of its own.
import XCTest
@testable import Store
@testable import Report

final class ProvenanceTests: XCTestCase {
    func testMixedBLASKernelsAreFlaggedInEveryFormat() throws {
        let dir = Fixtures.tempDir("prov", self)
        let store = try Fixtures.makeStore(at: dir, artifacts: false)
        // The store fixture started every run with no worker info: record a kernel and a CPU on
        // each, one run on another kernel.
        let runs = try store.runs()
        for (i, r) in runs.enumerated() {
            let kernel = i == 2 ? "Prescott" : "SkylakeX"
            try store.execute(sql: "UPDATE runs SET blas = 'OpenBLAS 0.3.21 \(kernel)', cpu = 'Xeon', code_version = 'abc123', threads = 2 WHERE id = \(r.id)")
        }
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/report"))
        let blas = try XCTUnwrap(o.model.provenance.first { $0.field == "BLAS" })
        XCTAssertTrue(blas.mixed)
        XCTAssertEqual(blas.values.map(\.value), ["OpenBLAS 0.3.21 SkylakeX", "OpenBLAS 0.3.21 Prescott"])
        XCTAssertEqual(blas.values[1].runs, [runs[2].id])
        XCTAssertFalse(try XCTUnwrap(o.model.provenance.first { $0.field == "CPU" }).mixed)
        let md = try String(contentsOfFile: dir + "/report/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("## Provenance") && md.contains("the runs differ in BLAS"), md)
        XCTAssertTrue(md.contains("| code version | abc123 | all |"))
        let html = try String(contentsOfFile: dir + "/report/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("the runs differ in BLAS"))
        let json = try String(contentsOfFile: dir + "/report/report.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"provenance\"") && json.contains("OpenBLAS 0.3.21 Prescott"))
    }

    func testEveryOtherTestSetGetsATable() throws {
        let dir = Fixtures.tempDir("tests", self)
        let store = try Fixtures.makeStore(at: dir, artifacts: false)
        for r in try store.runs() {
            var s = try store.summary(run: r.id)
            s["mAP@VeRi"] = (s["mAP"] ?? 0) / 2; s["R1@VeRi"] = (s["R1"] ?? 0) / 2
            try store.setSummary(run: r.id, s)
        }
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/report"))
        let veri = try XCTUnwrap(o.model.otherTestSets.first)
        XCTAssertEqual(veri.dataset, "VeRi")
        XCTAssertEqual(veri.rows.count, o.model.table.rows.count)
        let first = o.model.table.rows[0]
        XCTAssertEqual(veri.rows[0].mAP!.mean, first.mAP!.mean / 2, accuracy: 1e-9)
        let md = try String(contentsOfFile: dir + "/report/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("## Other test sets") && md.contains("### VeRi"), md)
    }
}

final class PrunedReportTests: XCTestCase {
    func testPrunedRunsAreListedApartWithTheComputeSaved() throws {
        let dir = Fixtures.tempDir("pruned", self)
        let store = try Fixtures.makeStore(at: dir, artifacts: false)
        let runs = try store.runs()
        let victim = runs[5]
        try store.execute(sql: "UPDATE runs SET status = 'pruned', error = 'pruned at epoch 4: mAP below the median' WHERE id = \(victim.id)")
        try store.setSummary(run: victim.id, ["pruned_at_epoch": 4, "epochs_saved": 12])
        try store.logMetrics(run: victim.id, [MetricPoint(key: "epoch_seconds", step: 1, epoch: 1, value: 2), MetricPoint(key: "epoch_seconds", step: 2, epoch: 2, value: 4)])
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/report"))
        XCTAssertEqual(o.model.source.pruned.map(\.id), [victim.id])
        XCTAssertFalse(o.model.table.rows.contains { $0.runIDs.contains(victim.id) }, "a pruned run is not in the comparison")
        XCTAssertFalse(o.model.source.unfinished.contains { $0.id == victim.id })
        XCTAssertEqual(PrunedRuns.saved(o.model.source.pruned).epochs, 12)
        XCTAssertEqual(PrunedRuns.saved(o.model.source.pruned).seconds, 36, accuracy: 1e-9, "12 epochs × 3 s")
        let md = try String(contentsOfFile: dir + "/report/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("## Pruned runs") && md.contains("saved 12 epochs, about 36 s"), md)
    }
}
