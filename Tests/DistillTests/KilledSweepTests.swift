// The kill test: a real sweep (`reidkd sweep`, supervisor and two workers) is SIGKILLed as a
// whole at many points — while it plans, during the teacher's epochs, between a checkpoint's
// rename and its store commit, before an evaluation, before a run's final commit, during and
// between the students — restarted at once, and must end exactly as an uninterrupted sweep
// does: the store intact, no run lost or left `running`, every metric row of every run present
// once with the same value, the same summaries, and bit-identical model files.
//
// Timed kills come from this process (`kill(-group, SIGKILL)` when the store shows a stage was
// reached); kills at points a few microseconds wide come from inside the sweep through
// REIDKD_FAULT=kill-sweep:… (SweepFault.swift), which SIGKILLs the supervisor and the worker.
import XCTest
import Foundation
import Store
import Support
@testable import Distill

final class KilledSweepTests: XCTestCase {
    /// A kill point: a fault rule, or a condition on the store polled from outside.
    enum Point {
        case fault(String)
        case when(String, (ExperimentStore) throws -> Bool)
        case after(TimeInterval)
    }

    static func running(_ name: String) -> (ExperimentStore) throws -> Bool {
        { try $0.runs(RunFilter(name: name)).first?.status == .running }
    }

    static func committed(_ name: String, epochs: Int) -> (ExperimentStore) throws -> Bool {
        { s in
            guard let r = try s.runs(RunFilter(name: name)).first else { return false }
            return try Set(s.metricSeries(run: r.id, key: "epoch_seconds").map(\.epoch)).count >= epochs
        }
    }

    static let points: [(String, Point)] = [
        ("while planning (before or while the store is made)", .after(0.05)),
        ("teacher training its first epoch", .when("teacher running", running("teacher"))),
        ("teacher between checkpoint rename and commit (epoch 2)", .fault("kill-sweep:checkpoint:teacher:2")),
        ("teacher trained its last epoch, before evaluation", .fault("kill-sweep:epoch:teacher:3")),
        ("teacher all done but its final commit", .fault("kill-sweep:finish:teacher")),
        ("teacher one epoch committed, baseline beside it", .when("teacher epoch 1 committed", committed("teacher", epochs: 1))),
        ("baseline claimed, before training", .fault("kill-sweep:start:student-baseline-s1")),
        ("first student right after a commit (teacher cache half filled)", .fault("kill-sweep:committed:student-METHOD=kl-s1:1")),
        ("student training (external)", .when("kl student running", running("student-METHOD=kl-s1"))),
        ("student before its evaluation (epoch 2)", .fault("kill-sweep:epoch:student-METHOD=kl+mse-s1:2")),
        ("last student between rename and commit of its final checkpoint", .fault("kill-sweep:checkpoint:student-METHOD=kl+mse-s1:3")),
        ("all but one run finished", .when("3 runs finished", { try $0.runs(RunFilter(statuses: [.finished])).count >= 3 })),
    ]

    func testChildProcessKilledSweepsEndAsTheUninterruptedSweep() throws {
        let reference = try SweepHarness("kill-reference")
        defer { reference.remove() }
        let straight = try reference.run(["sweep", "k.yaml", "--workers", "2"])
        XCTAssertEqual(straight.status, 0, straight.output)
        let expected = try reference.snapshot()
        XCTAssertEqual(Set(expected.keys), Set(SweepHarness.runNames))
        XCTAssertTrue(expected.values.allSatisfy { $0.status == .finished && $0.metricRows > 0 && $0.modelSHA != nil })

        var killedAt: [String] = []
        for (index, (label, point)) in Self.points.enumerated() {
            let h = try SweepHarness("kill-\(index)")
            defer { h.remove() }
            let log = "\(h.dir)/killed.log"
            let start = Date()
            var env: [String: String] = [:]
            if case .fault(let rule) = point { env["REIDKD_FAULT"] = rule }
            let pid = try h.start(["sweep", "k.yaml", "--workers", "2"], env: env, log: log)
            switch point {
            case .fault:
                let status = h.wait(pid)
                XCTAssertEqual(status, 128 + SIGKILL, "[\(label)] the fault did not kill the sweep:\n\(text(log))")
            case .after(let seconds):
                usleep(UInt32(seconds * 1e6))
                kill(-pid, SIGKILL)
                h.wait(pid)
            case .when(let what, let condition):
                var reached = false
                let deadline = Date().addingTimeInterval(120)
                var status: Int32 = 0
                while Date() < deadline {
                    if let s = h.store(), (try? condition(s)) == true { reached = true; break }
                    if waitpid(pid, &status, WNOHANG) == pid { break }   // ended before the point
                    usleep(1000)
                }
                XCTAssertTrue(reached, "[\(label)] the sweep never reached '\(what)':\n\(text(log))")
                kill(-pid, SIGKILL)
                h.wait(pid)
            }
            let killSeconds = Date().timeIntervalSince(start)
            // Restart at once, without the fault.
            let restart = try h.run(["sweep", "k.yaml", "--workers", "2"])
            XCTAssertEqual(restart.status, 0, "[\(label)] restart failed:\n\(restart.output)")
            guard let store = h.store() else { XCTFail("[\(label)] no store after the restart"); continue }
            XCTAssertEqual(try store.integrityCheck(), ["ok"], label)
            let runs = try store.runs()
            XCTAssertEqual(runs.filter { $0.status == .running }.map(\.name), [], "[\(label)] runs left running")
            XCTAssertTrue(runs.allSatisfy { $0.attempts >= 1 }, label)
            let got = try h.snapshot()
            for name in SweepHarness.runNames {
                guard let g = got[name], let e = expected[name] else { XCTFail("[\(label)] run \(name) missing"); continue }
                XCTAssertEqual(g.status, .finished, "[\(label)] \(name)")
                XCTAssertEqual(g.metricRows, e.metricRows, "[\(label)] \(name): metric rows lost or doubled")
                XCTAssertEqual(g.metrics, e.metrics, "[\(label)] \(name): metric values differ")
                XCTAssertEqual(g.summary, e.summary, "[\(label)] \(name): summary differs")
                XCTAssertEqual(g.modelSHA, e.modelSHA, "[\(label)] \(name): model file differs from the uninterrupted sweep's")
                let arts = try store.artifacts(run: try XCTUnwrap(runs.first { $0.name == name }).id)
                for a in arts where a.kind != "log" {
                    XCTAssertEqual(try SHA256.file(at: a.path).sha256, a.sha256, "[\(label)] \(name): \(a.kind) artifact does not match its file")
                }
            }
            // Nothing a killed writer left behind survives the restart.
            for name in SweepHarness.runNames {
                let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: "\(h.dir)/results/k/\(name)")) ?? []).filter { $0.hasPrefix(".") }
                XCTAssertEqual(leftovers, [], "[\(label)] \(name)")
            }
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: store.lockDirectory)) ?? [], [], "[\(label)] lock files left")
            killedAt.append(String(format: "%@ (killed after %.1f s)", label, killSeconds))
        }
        print("KilledSweepTests: \(killedAt.count) kill points, each restarted to the uninterrupted result:\n  " + killedAt.joined(separator: "\n  "))
    }

    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
