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
        // Runs other workers (or earlier invocations) ended count as done.
        if let sweep = run.sweepID {
            let ended = try store.runs(RunFilter(sweep: sweep, statuses: [.finished, .pruned, .failed, .diverged]))
            progress.markComplete(ended.map(\.name))
            for r in ended where r.status == .finished {
                progress.learn(r.name, epochSeconds: try store.metricSeries(run: r.id, key: "epoch_seconds").map(\.value))
            }
        }
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
