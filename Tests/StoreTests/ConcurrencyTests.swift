// Several PROCESSES share one fresh store: they race to create and migrate it, to create the
// sweep and enqueue the same plan, then drain the queue, each run logging metrics in batches and
// one by one. Afterwards: every run finished exactly once, no run claimed twice, no metric lost,
// no "database is locked". The workers are this test binary re-run with REIDKD_STORE_WORKER set.
import XCTest
import Foundation
@testable import Store

final class ConcurrencyTests: XCTestCase {
    static let runs = 16, batches = 5, batchSize = 40, singles = 5

    /// Child process only: one worker. Announces itself with a ready file, then waits for the
    /// start file so all workers race together. A 2 ms pause per batch stands in for training
    /// compute, so the workers interleave instead of the first one draining the queue alone.
    func testWorkerRole() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["REIDKD_STORE_WORKER"], let out = env["REIDKD_STORE_WORKER_OUT"], let go = env["REIDKD_STORE_WORKER_GO"] else { return }
        _ = FileManager.default.createFile(atPath: out + ".ready", contents: nil)
        let deadline = Date(timeIntervalSinceNow: 30)
        while !FileManager.default.fileExists(atPath: go) && Date() < deadline { usleep(2000) }
        let store = try ExperimentStore(path: path)
        let sweep = try store.findOrCreateSweep(name: "race", spec: "workers: 4")
        try store.enqueue(plan(students: Self.runs - 1), sweep: sweep)
        var claimed: [Int64] = []
        while let run = try store.claimNextRun(sweep: sweep.id) {
            claimed.append(run.id)
            for b in 0..<Self.batches {
                let pts = (0..<Self.batchSize).map { i in
                    MetricPoint(key: "loss_\(i % 4)", step: b * Self.batchSize + i, epoch: b, value: Double(run.id) + Double(i) / 100)
                }
                try store.logMetrics(run: run.id, pts)
                usleep(2000)
            }
            for s in 0..<Self.singles { try store.logMetric(run: run.id, key: "lr", step: s, epoch: 0, value: 0.1) }
            try store.setSummary(run: run.id, ["mAP": Double(run.id) / 100])
            try store.markFinished(run.id)
        }
        try claimed.map(String.init).joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
    }

    func testProcessesShareOneStore() throws {
        #if os(Linux)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        guard FileManager.default.isExecutableFile(atPath: binary.path), binary.path.hasSuffix(".xctest") else {
            throw XCTSkip("test binary not found at \(binary.path); cannot spawn workers")
        }
        let dir = tempDir(), path = TestBackend.isPostgres ? try freshStoreLocation() : dir + "/shared.sqlite", go = dir + "/go"
        var procs: [(Process, String, String)] = []
        for w in 0..<4 {
            let p = Process()
            p.executableURL = binary
            p.arguments = ["StoreTests.ConcurrencyTests/testWorkerRole"]
            var env = ProcessInfo.processInfo.environment
            env["REIDKD_STORE_WORKER"] = path
            env["REIDKD_STORE_WORKER_OUT"] = dir + "/claims-\(w).txt"
            env["REIDKD_STORE_WORKER_GO"] = go
            p.environment = env
            let log = dir + "/worker-\(w).log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            p.standardOutput = handle; p.standardError = handle
            try p.run()
            procs.append((p, log, dir + "/claims-\(w).txt"))
        }
        let deadline = Date(timeIntervalSinceNow: 60)  // every child at the start line (a loaded machine starts them slowly)
        while procs.contains(where: { !FileManager.default.fileExists(atPath: $0.2 + ".ready") }) && Date() < deadline { usleep(5000) }
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        var all: [Int64] = []
        for (p, log, claims) in procs {
            p.waitUntilExit()
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            XCTAssertEqual(p.terminationStatus, 0, "worker failed:\n\(text)")
            XCTAssertFalse(text.contains("locked"), text)
            let ids = ((try? String(contentsOfFile: claims, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int64($0) }
            all += ids
        }
        let store = try ExperimentStore(path: path, create: false)
        XCTAssertEqual(store.appliedMigrations, [])
        XCTAssertEqual(try store.sweeps().count, 1)
        let runs = try store.runs()
        XCTAssertEqual(runs.count, Self.runs, "the plan was enqueued once, not once per worker")
        XCTAssertEqual(all.sorted(), runs.map(\.id), "every run claimed exactly once")
        XCTAssertTrue(runs.allSatisfy { $0.status == .finished && $0.attempts == 1 }, "\(runs.map { ($0.id, $0.status, $0.attempts) })")
        for r in runs {
            XCTAssertEqual(try store.metricCount(run: r.id), Self.batches * Self.batchSize + Self.singles, "run \(r.id)")
            XCTAssertEqual(try store.summary(run: r.id)["mAP"], Double(r.id) / 100)
        }
        let workers = Set(runs.compactMap(\.pid))
        XCTAssertGreaterThan(workers.count, 1, "the workers did not overlap, so the race was not exercised")
        print("ConcurrencyTests: \(runs.count) runs drained by \(workers.count) of 4 worker processes")
        #else
        throw XCTSkip("subprocess workers run on Linux")
        #endif
    }
}
