// Sweeps under the supervisor, through the real `reidkd` binary: a run that crashes (a runtime
// trap, SIGILL, as a precondition gives; a SIGKILL, as the OOM killer gives) is recorded failed
// with its signal and last output while the next runs train, and is not retried unless asked;
// the same sweep launched twice at once trains every run once, students after a finished
// teacher; `reidkd worker` takes runs from the store alone; `--dry-run` writes nothing.
import XCTest
import Foundation
import Store
@testable import Distill

final class SupervisedSweepTests: XCTestCase {
    /// Workers split the cores evenly; REIDKD_THREADS, when set, is the sweep's whole budget.
    func testWorkersSplitTheCoresEvenly() {
        XCTAssertEqual(SweepSupervisor.threadsPerWorker(cores: 2, workers: 2), 1)
        XCTAssertEqual(SweepSupervisor.threadsPerWorker(cores: 2, workers: 1), 2)
        XCTAssertEqual(SweepSupervisor.threadsPerWorker(cores: 8, workers: 3), 2)
        XCTAssertEqual(SweepSupervisor.threadsPerWorker(cores: 2, workers: 4), 1)
    }

    func testChildProcessCrashedRunsAreRecordedAndTheSweepGoesOn() throws {
        let h = try SweepHarness("crash")
        defer { h.remove() }
        // The baseline (2nd run) traps after its first epoch is committed; the first student is
        // SIGKILLed as it starts; the last student must still train.
        let faults = "crash:committed:student-baseline-s1:1,kill-worker:start:student-METHOD=kl-s1"
        let first = try h.run(["sweep", "k.yaml", "--workers", "1"], env: ["REIDKD_FAULT": faults])
        XCTAssertEqual(first.status, 2, "exit status counts the failed runs:\n\(first.output)")
        XCTAssertTrue(first.output.contains("reidkd: warning: run student-baseline-s1 crashed: signal 4 (SIGILL)"), first.output)
        let store = try XCTUnwrap(h.store())
        func run(_ name: String) throws -> Run { try XCTUnwrap(try store.runs(RunFilter(name: name)).first) }
        XCTAssertEqual(try run("teacher").status, .finished)
        XCTAssertEqual(try run("student-METHOD=kl+mse-s1").status, .finished, "the sweep went on after the crashes")
        let baseline = try run("student-baseline-s1"), killed = try run("student-METHOD=kl-s1")
        XCTAssertEqual(baseline.status, .failed)
        let error = try XCTUnwrap(baseline.error)
        XCTAssertTrue(error.hasPrefix("crashed: signal 4 (SIGILL); peak memory "), error)
        XCTAssertTrue(error.contains("Fatal error: injected fault at committed of run student-baseline-s1"), "the last output is kept:\n\(error)")
        XCTAssertGreaterThan(try store.summary(run: baseline.id)["worker_peak_rss_mib"] ?? 0, 1)
        XCTAssertEqual(killed.status, .failed)
        XCTAssertTrue(killed.error?.hasPrefix("crashed: signal 9 (SIGKILL)") ?? false, killed.error ?? "")
        XCTAssertTrue(try String(contentsOfFile: "\(h.dir)/results/k/student-baseline-s1/log.txt", encoding: .utf8).contains("crashed: signal 4"))
        XCTAssertEqual(try store.metricSeries(run: baseline.id, key: "epoch_seconds").count, 1, "the committed epoch is kept")

        // A plain re-run leaves failed runs alone …
        let again = try h.run(["sweep", "k.yaml", "--workers", "1"])
        XCTAssertEqual(again.status, 2, again.output)
        XCTAssertEqual(try run("student-baseline-s1").attempts, 1)
        // … --retry-failed runs them again, the baseline from its checkpoint.
        let retry = try h.run(["sweep", "k.yaml", "--workers", "2", "--retry-failed"])
        XCTAssertEqual(retry.status, 0, retry.output)
        XCTAssertTrue(retry.output.contains("resumed from results/k/student-baseline-s1/checkpoint.safetensors at epoch 1"), retry.output)
        XCTAssertEqual(try store.runs().map(\.status), Array(repeating: .finished, count: 4))
        XCTAssertEqual(try run("student-baseline-s1").attempts, 2)
    }

    func testChildProcessSameSweepLaunchedTwiceAtOnce() throws {
        let h = try SweepHarness("twice")
        defer { h.remove() }
        let a = try h.start(["sweep", "k.yaml", "--workers", "2"], log: "\(h.dir)/a.log")
        let b = try h.start(["sweep", "k.yaml", "--workers", "2"], log: "\(h.dir)/b.log")
        let (sa, sb) = (h.wait(a), h.wait(b))
        let logs = [h.dir + "/a.log", h.dir + "/b.log"].map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }.joined(separator: "\n=====\n")
        XCTAssertEqual([sa, sb], [0, 0], logs)
        let store = try XCTUnwrap(h.store())
        let runs = try store.runs()
        XCTAssertEqual(runs.map(\.status), Array(repeating: .finished, count: 4), logs)
        XCTAssertEqual(runs.map(\.attempts), [1, 1, 1, 1], "no run trained twice:\n\(logs)")
        let teacher = try XCTUnwrap(runs.first { $0.role == .teacher })
        for s in runs where s.role == .student {
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(s.startedAt), try XCTUnwrap(teacher.finishedAt), "\(s.name) started before the teacher finished")
        }
        XCTAssertFalse(logs.contains("reidkd: error") || logs.contains("crashed"), logs)

        // `reidkd worker` works from the store alone: nothing is queued now …
        var w = try h.run(["worker", "--store", h.storePath, "--sweep", "k"])
        XCTAssertEqual(w.status, 3, w.output)
        w = try h.run(["worker", "--store", h.storePath, "--sweep", "k", "--run", String(teacher.id)])
        XCTAssertEqual(w.status, 3, w.output)
        XCTAssertTrue(w.output.contains("is finished, not queued"), w.output)
        w = try h.run(["worker", "--store", h.storePath, "--sweep", "nope"])
        XCTAssertEqual(w.status, 1)
        XCTAssertTrue(w.output.hasPrefix("reidkd: error: no sweep named 'nope'"), w.output)
    }

    func testChildProcessWorkersDrainARecordedSweep() throws {
        let h = try SweepHarness("workers", epochs: 1)
        defer { h.remove() }
        // Record the sweep (a fault stops the supervisor before its first worker trains anything).
        let planned = try h.run(["sweep", "k.yaml"], env: ["REIDKD_FAULT": "kill-sweep:start:teacher"])
        XCTAssertEqual(planned.status, 128 + SIGKILL, planned.output)
        // Workers started by hand, one after another, from another folder: the teacher first
        // (re-queued after the kill), then the others in order.
        var order: [String] = []
        for _ in 0..<4 {
            let w = try h.run(["worker", "--store", h.storePath, "--sweep", "k"], in: NSTemporaryDirectory())
            XCTAssertEqual(w.status, 0, w.output)
            if let line = w.output.split(separator: "\n").first(where: { $0.hasPrefix("── run ") }) { order.append(String(line)) }
        }
        XCTAssertEqual(order.map { $0.split(separator: " ")[3] }, ["teacher", "student-baseline-s1", "student-METHOD=kl-s1", "student-METHOD=kl+mse-s1"], "\(order)")
        XCTAssertEqual(try XCTUnwrap(h.store()).runs().map(\.status), Array(repeating: .finished, count: 4))
        XCTAssertEqual(try h.run(["worker", "--store", h.storePath, "--sweep", "k"]).status, 3)
    }

    func testChildProcessDryRunWritesNothing() throws {
        let h = try SweepHarness("dry")
        defer { h.remove() }
        // A dataset root that does not exist yet: a real sweep would generate it.
        try (try String(contentsOfFile: "\(h.dir)/k.yaml", encoding: .utf8)).replacingOccurrences(of: "seeds:", with: "common: {DATASETS.ROOT: data/synth}\nseeds:")
            .write(toFile: "\(h.dir)/k.yaml", atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: h.dir).sorted()
        let log = "\(h.dir)/../dry-\(UUID().uuidString.prefix(6)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = h.wait(try h.start(["sweep", "k.yaml", "--dry-run"], log: log))
        let out = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("smoke check: 4 model(s) built"), out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: h.dir).sorted(), before, "no store, no results, no dataset")
        // A run that would trip an engine precondition is a plan error naming it and the key.
        try (try String(contentsOfFile: "\(h.dir)/k.yaml", encoding: .utf8)).replacingOccurrences(of: "grid:", with: "runs:\n  - {KD.METHOD: kl, MODEL.HEADS.POOL_LAYER: Identity}\ngrid:")
            .write(toFile: "\(h.dir)/k.yaml", atomically: true, encoding: .utf8)
        let bad = h.wait(try h.start(["sweep", "k.yaml"], log: log))
        let badOut = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(bad, 1, badOut)
        XCTAssertTrue(badOut.contains("reidkd: error: run student-METHOD=kl-POOL_LAYER=Identity-s1: smoke check"), badOut)
        XCTAssertTrue(badOut.contains("MODEL.HEADS.POOL_LAYER identity"), badOut)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(h.dir)/results"), "a plan error records nothing")
    }
}
