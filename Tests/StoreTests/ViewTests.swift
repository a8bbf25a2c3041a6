// The terminal views behind `reidkd runs list | show | compare`, and the text table.
import XCTest
import Foundation
@testable import Store

final class ViewTests: XCTestCase {
    func testTextTableAlignsColumns() {
        var t = TextTable(["name", "mAP"])
        t.add(["a", "0.5"]); t.add(["longer-name", "12.25"])
        XCTAssertEqual(t.render(), "name" + String(repeating: " ", count: 11) + "mAP\n"
                                   + "───────────  ─────\n"
                                   + "a" + String(repeating: " ", count: 14) + "0.5\n"
                                   + "longer-name  12.25\n")
    }

    func testListShowCompare() throws {
        let store = try freshStore()
        let sweep = try store.findOrCreateSweep(name: "quick", spec: "")
        let runs = try store.enqueue(plan(students: 2), sweep: sweep)
        for _ in runs { _ = try store.claimNextRun(sweep: sweep.id, worker: WorkerInfo(host: "box", pid: 7, threads: 2)) }
        try store.setSummary(run: runs[0].id, ["mAP": 0.8123, "R1": 0.9])
        try store.setSummary(run: runs[2].id, ["mAP": 0.61])
        try store.logMetrics(run: runs[2].id, [MetricPoint(key: "loss_kd", step: 3, epoch: 1, value: 0.25)])
        try store.markFinished(runs[0].id)
        try store.markDiverged(runs[1].id, error: "loss_ce is NaN at step 4\nmore detail")
        try store.addArtifact(run: runs[0].id, kind: "checkpoint", path: "results/quick/teacher/final.safetensors",
                              sha256: String(repeating: "ab", count: 32), bytes: 1234)

        let list = try RunsView.list(store: store, filter: RunFilter(sweep: sweep.id))
        let lines = list.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("id  sweep  name") && lines[0].contains("mAP") && lines[0].contains("R1"), list)
        XCTAssertFalse(lines[0].contains("mINP"), "columns only for keys some run has")
        XCTAssertTrue(lines[2].contains("teacher") && lines[2].contains("finished") && lines[2].contains("0.8123"), list)
        XCTAssertTrue(lines[3].contains("diverged") && lines[3].contains("loss_ce is NaN at step 4") && !list.contains("more detail"), list)
        XCTAssertTrue(lines.last!.contains("3 runs: 1 running, 1 finished, 1 diverged"), list)
        let header = lines[0]
        let mapColumnEnd = header.range(of: "mAP")!.upperBound.utf16Offset(in: header)
        XCTAssertEqual(lines[2].prefix(mapColumnEnd).hasSuffix("0.8123"), true, "numbers right-aligned under their header:\n\(list)")
        XCTAssertEqual(try RunsView.list(store: store, filter: RunFilter(statuses: [.failed])), "no runs match in \(store.path)\n")
        let custom = try RunsView.list(store: store, filter: RunFilter(), summaryKeys: ["R1"])
        XCTAssertFalse(custom.split(separator: "\n")[0].contains("mAP"))

        let show = try RunsView.show(store: store, run: runs[0].id)
        for s in ["run \(runs[0].id)  teacher  (teacher, finished)", "sweep", "quick", "box (pid 7)", "t-hash", "final.safetensors",
                  "model.backbone", "resnet50", "abababababababab…", "0.8123"] {
            XCTAssertTrue(show.contains(s), "missing '\(s)' in:\n\(show)")
        }
        let showDiverged = try RunsView.show(store: store, run: runs[1].id)
        XCTAssertTrue(showDiverged.contains("error:\n  loss_ce is NaN at step 4\n  more detail"), showDiverged)
        XCTAssertTrue(try RunsView.show(store: store, run: runs[2].id).contains("loss_kd"))
        XCTAssertEqual(message { try RunsView.show(store: store, run: 99) }, StoreError.unknownRun(id: 99, path: store.path).description)

        let cmp = RunsView.compare(try store.compare(runs[0].id, runs[2].id))
        for s in ["A = run \(runs[0].id) teacher", "B = run \(runs[2].id) student-1", "model.backbone", "resnet50", "resnet18",
                  "kd.method", "—", "-0.2023", "last logged metric", "loss_kd"] {
            XCTAssertTrue(cmp.contains(s), "missing '\(s)' in:\n\(cmp)")
        }
        let same = RunsView.compare(try store.compare(runs[1].id, runs[1].id))
        XCTAssertTrue(same.contains("config: identical (5 params)"), same)
    }

    func testFormatValue() {
        XCTAssertEqual(RunsView.formatValue(11_000_000), "11000000")
        XCTAssertEqual(RunsView.formatValue(0.61234), "0.6123")
        XCTAssertEqual(RunsView.formatValue(12.5), "12.500")
        XCTAssertEqual(RunsView.formatValue(1234.56), "1234.6")
        XCTAssertEqual(RunsView.formatValue(.nan), "nan")
        XCTAssertEqual(RunsView.formatValue(1e-5), "1.000e-05")
    }
}
