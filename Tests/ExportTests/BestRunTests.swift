// Best-run selection on fixture stores (no training): finished students and baselines only,
// ties → fewer GFLOPs → lower id, teachers and failed runs never chosen, smaller-is-better
// metrics ascending; and the clear errors for empty sweeps, unknown metrics and bad run ids.
import XCTest
import Foundation
import Store
@testable import Export

final class BestRunTests: XCTestCase {
    var dir = ""
    var store: ExperimentStore!

    override func setUpWithError() throws {
        dir = Fixtures.tempDir("bestrun")
        store = try ExperimentStore(path: "\(dir)/s.sqlite")
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testBaselineAllowedTeacherAndFailedIgnored() throws {
        let s = try store.findOrCreateSweep(name: "a", spec: "")
        try Fixtures.addRun(store, sweep: s, name: "t", role: .teacher, summary: ["mAP": 99, "gflops": 5])
        try Fixtures.addRun(store, sweep: s, name: "kd", role: .student, summary: ["mAP": 50, "gflops": 1])
        try Fixtures.addRun(store, sweep: s, name: "crashed", role: .student, summary: ["mAP": 80, "gflops": 1], status: .failed)
        try Fixtures.addRun(store, sweep: s, name: "half", role: .student, summary: ["mAP": 85, "gflops": 1], status: .interrupted)
        let base = try Fixtures.addRun(store, sweep: s, name: "base", role: .baseline, summary: ["mAP": 55, "gflops": 1])
        let best = try BestRun.select(store: store, sweep: s, metric: "mAP")
        XCTAssertEqual(best.run.id, base.id)
        XCTAssertEqual(best.value, 55)
        XCTAssertEqual(best.candidates, 2)
    }

    func testTiesGoToFewerFlopsThenLowerID() throws {
        let s = try store.findOrCreateSweep(name: "b", spec: "")
        try Fixtures.addRun(store, sweep: s, name: "heavy", role: .student, summary: ["mAP": 60, "gflops": 2])
        let light = try Fixtures.addRun(store, sweep: s, name: "light", role: .student, summary: ["mAP": 60, "gflops": 0.5])
        try Fixtures.addRun(store, sweep: s, name: "light-later", role: .baseline, summary: ["mAP": 60, "gflops": 0.5])
        try Fixtures.addRun(store, sweep: s, name: "worse", role: .student, summary: ["mAP": 59.99, "gflops": 0.1])
        try Fixtures.addRun(store, sweep: s, name: "noflops", role: .student, summary: ["mAP": 60])
        XCTAssertEqual(try BestRun.select(store: store, sweep: s, metric: "mAP").run.id, light.id)
    }

    func testOtherMetricsAndDirection() throws {
        let s = try store.findOrCreateSweep(name: "c", spec: "")
        let a = try Fixtures.addRun(store, sweep: s, name: "a", role: .student, summary: ["mAP": 60, "R1": 70, "latency_ms_b1": 3])
        let b = try Fixtures.addRun(store, sweep: s, name: "b", role: .student, summary: ["mAP": 50, "R1": 75, "latency_ms_b1": 2])
        XCTAssertEqual(try BestRun.select(store: store, sweep: s, metric: "mAP").run.id, a.id)
        XCTAssertEqual(try BestRun.select(store: store, sweep: s, metric: "R1").run.id, b.id)
        XCTAssertEqual(try BestRun.select(store: store, sweep: s, metric: "latency_ms_b1").run.id, b.id)
    }

    func testSweepDefaultsToNewest() throws {
        _ = try store.findOrCreateSweep(name: "old", spec: "")
        let new = try store.findOrCreateSweep(name: "new", spec: "")
        XCTAssertEqual(try BestRun.sweep(store: store, named: nil).id, new.id)
        XCTAssertThrowsError(try BestRun.sweep(store: store, named: "nwe")) { XCTAssertTrue("\($0)".contains("did you mean 'new'"), "\($0)") }
    }

    func testEmptyAndUnfinishedSweepsAndUnknownMetric() throws {
        let empty = try store.findOrCreateSweep(name: "empty", spec: "")
        try Fixtures.addRun(store, sweep: empty, name: "t", role: .teacher, summary: ["mAP": 90])
        XCTAssertThrowsError(try BestRun.select(store: store, sweep: empty, metric: "mAP")) {
            XCTAssertTrue("\($0)".contains("has no student or baseline runs"), "\($0)")
        }
        let broken = try store.findOrCreateSweep(name: "broken", spec: "")
        try Fixtures.addRun(store, sweep: broken, name: "x", role: .student, summary: [:], status: .failed)
        XCTAssertThrowsError(try BestRun.select(store: store, sweep: broken, metric: "mAP")) {
            XCTAssertTrue("\($0)".contains("no finished student or baseline run (1 failed)"), "\($0)")
        }
        let ok = try store.findOrCreateSweep(name: "ok", spec: "")
        try Fixtures.addRun(store, sweep: ok, name: "x", role: .student, summary: ["mAP": 1])
        XCTAssertThrowsError(try BestRun.select(store: store, sweep: ok, metric: "map")) {
            XCTAssertTrue("\($0)".contains("did you mean 'mAP'"), "\($0)")
        }
    }

    func testExplicitRun() throws {
        let s = try store.findOrCreateSweep(name: "d", spec: "")
        let r = try Fixtures.addRun(store, sweep: s, name: "x", role: .student, summary: ["mAP": 3])
        let failed = try Fixtures.addRun(store, sweep: s, name: "y", role: .student, summary: [:], status: .failed)
        let sel = try BestRun.run(store: store, id: r.id, metric: "mAP")
        XCTAssertEqual(sel.sweep?.name, "d")
        XCTAssertEqual(sel.value, 3)
        XCTAssertThrowsError(try BestRun.run(store: store, id: 999, metric: "mAP")) { XCTAssertTrue("\($0)".contains("no run with id 999"), "\($0)") }
        XCTAssertThrowsError(try BestRun.run(store: store, id: failed.id, metric: "mAP")) { XCTAssertTrue("\($0)".contains("is failed, not finished"), "\($0)") }
    }
}
