// Experiment store: metric insert rate, batched (one transaction per batch, as MetricsBuffer
// does) versus per row (one transaction per row), and the atomic claim rate. A fresh store in a
// temporary directory; WAL with synchronous=NORMAL, so a commit appends to the WAL without fsync.
import Foundation
import Store

enum StoreBench {
    static func run(markdown: Bool) {
        do { try measure(markdown: markdown) } catch {
            FileHandle.standardError.write("store bench: \(error)\n".data(using: .utf8)!)
        }
    }

    static func measure(markdown: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-store-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ExperimentStore(path: dir + "/bench.sqlite")
        let sweep = try store.findOrCreateSweep(name: "bench", spec: "")
        let specs = (0..<520).map { RunSpec(name: "r\($0)", role: .student, config: "{}", configHash: "h\($0)", seed: $0) }
        let runs = try store.enqueue(specs, sweep: sweep)
        var table = Table(["store operation", "rows (or runs)", "time s", "rate /s"])
        var step = 0
        var failure: Error?   // Timing's closures cannot throw: keep the first error, report it below
        func log(_ run: Int64, _ pts: [MetricPoint]) {
            do { try store.logMetrics(run: run, pts) } catch { failure = failure ?? error }
        }
        func points(_ n: Int) -> [MetricPoint] {
            defer { step += n }
            return (0..<n).map { MetricPoint(key: "loss_\($0 % 6)", step: step + $0, epoch: 0, value: 1.0 / Double($0 + 1)) }
        }
        // Every repetition inserts new steps (re-logging a step would measure the update path).
        // Building the points is inside the timing, as it is in a trainer.
        // Per row: one transaction per metric.
        let perRow = 2_000
        let tRow = Timing.median(reps: 3, warmup: 1) {
            for p in points(perRow) { log(runs[0].id, [p]) }
        }
        table.add(["metrics, 1 row per transaction", "\(perRow)", fmt(tRow, 3), fmt(Double(perRow) / tRow, 0)])
        for batch in [64, 256, 1024] {
            let total = 102_400
            let t = Timing.median(reps: 3, warmup: 1) {
                for _ in 0..<(total / batch) { log(runs[1].id, points(batch)) }
            }
            table.add(["metrics, \(batch) rows per transaction", "\(total)", fmt(t, 3), fmt(Double(total) / t, 0)])
        }
        if let failure { throw failure }
        var claimed = 0
        let t0 = Timing.now()
        while claimed < 500, let r = try store.claimNextRun(sweep: sweep.id) { try store.markFinished(r.id); claimed += 1 }
        let tc = Timing.now() - t0
        table.add(["claim + mark finished", "\(claimed) runs", fmt(tc, 3), fmt(Double(claimed) / tc, 0)])
        print(table.render(markdown: markdown))
    }
}
