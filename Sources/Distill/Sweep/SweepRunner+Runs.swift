// Running claimed runs in this process: the drain loop of in-process sweeps (tests) and the one
// run of a `reidkd worker`, each held under a lease, ending in a recorded status.
import Foundation
import Tensor
import Data
import Store

extension SweepRunner {
    /// Drains the sweep's queued runs of `roles` in this process, under one lease (students
    /// only once the teacher is ready).
    public func work(sweep: Sweep, roles: Set<RunRole>, dataset: ReidDataset) throws -> SweepOutcome {
        var outcome = SweepOutcome()
        let lease = try store.acquireLease()
        defer { lease.release() }
        while let run = try store.claimNextRun(sweep: sweep.id, roles: roles, worker: workerInfo(lease), studentsWaitForTeacher: true) {
            lease.keepAlive(run: run.id, store: store)
            switch try runClaimed(run, dataset: dataset) {
            case .finished: outcome.finished += 1
            case .pruned: outcome.pruned += 1
            case .failed, .diverged: outcome.failed += 1
            }
        }
        return outcome
    }

    /// Runs other workers (or earlier invocations) ended count as done, and the epoch times
    /// other workers recorded price their cost class (a running run's grow at each checkpoint);
    /// looked up at most every `SweepProgress.refreshInterval` seconds unless `force`d.
    func refreshProgress(sweep: Int64, force: Bool = false) throws {
        guard force || Date().timeIntervalSince(lastProgressRefresh) >= SweepProgress.refreshInterval else { return }
        lastProgressRefresh = Date()
        let all = try store.runs(RunFilter(sweep: sweep))
        progress.markComplete(all.filter { [.finished, .pruned, .failed, .diverged].contains($0.status) }.map(\.name))
        // A finished run's times never change: read once. A running one's: at every look.
        let timedElsewhere = all.filter {
            !progress.timedRuns.contains($0.name) && ($0.status == .running || ($0.status == .finished && progress.recorded[$0.name] == nil))
        }
        let series = try store.metricSeries(runs: timedElsewhere.map(\.id), key: "epoch_seconds")
        for r in timedElsewhere { progress.learn(r.name, epochSeconds: (series[r.id] ?? []).map(\.value)) }
    }

    func workerInfo(_ lease: RunLease) -> WorkerInfo {
        .current(threads: Parallel.threads, blas: BLASKernel.status.description, cpu: CPUFeatures.host.description, lease: lease)
    }

    public enum RunEnd: Equatable { case finished, pruned, failed, diverged }

    /// Runs a run this process has claimed (under its lease) to its end and records the end:
    /// finished (in `execute`), diverged or failed with the error. Throws only when the store
    /// cannot record anything.
    public func runClaimed(_ run: Run, dataset: ReidDataset) throws -> RunEnd {
        guard let r = runs.first(where: { $0.planned.name == run.name }) else {
            try store.markFailed(run.id, error: "run \(run.name) is not in the sweep file any more")
            return .failed
        }
        let index = (runs.firstIndex { $0.planned.name == run.name } ?? 0) + 1
        if let sweep = run.sweepID { try refreshProgress(sweep: sweep, force: true) }
        progress.start(run.name)
        runLog = RunLog(directory: runDirectory(run.name))
        defer { runLog = nil }
        say("── run \(index)/\(runs.count): \(run.name) (\(run.role.rawValue))  \(progress.line())")
        SweepFault.hit(.start, run: run.name)
        func recordLog() { if let l = runLog, l.isOpen { _ = try? store.recordArtifact(run: run.id, kind: "log", file: l.path) } }
        do {
            return try execute(r, run: run, dataset: dataset)
        } catch let e as TrainError where e.description.hasPrefix("diverged") {
            say("   diverged: \(e)")
            try store.markDiverged(run.id, error: e.description)
            recordLog()
            return .diverged
        } catch let e as StoreError {
            if case .invalidTransition = e { throw e }   // the run is no longer ours: record nothing
            say("   failed: \(e)")
            try store.markFailed(run.id, error: "\(e)")
            recordLog()
            return .failed
        } catch {
            say("   failed: \(error)")
            try store.markFailed(run.id, error: "\(error)")
            recordLog()
            return .failed
        }
    }
}
