// The supervisor of `reidkd sweep`: runs every run of the sweep in a worker process of its own
// (`reidkd worker --store S --sweep NAME --run ID`, started from the running executable,
// /proc/self/exe), at most `workers` at a time. A crash in one run — a precondition, a
// segfault, the OOM killer — ends that process only: the supervisor records the run `failed`
// with the signal or exit status, its peak memory and the last lines it printed, and goes on.
// Workers die with the supervisor (PR_SET_PDEATHSIG), so killing it stops the whole sweep, and
// a restart finds the killed runs by their released leases. Runs held by other processes
// (a second `reidkd sweep` of the same sweep, cluster workers) are waited for, not touched.
import Foundation
import Tensor
import Store

public final class SweepSupervisor {
    public let runner: SweepRunner
    public let sweep: Sweep
    public let workers: Int
    /// The program each worker runs; the running executable by default (never argv[0], which
    /// may be a bare name found through $PATH, or a different file by now).
    public var executable = SweepSupervisor.runningExecutable()
    /// The store as the workers open it (an absolute path, or the PostgreSQL URL).
    let storePath: String
    var store: ExperimentStore { runner.store }
    public var log: (String) -> Void = { print($0) }

    struct Worker {
        var run: Run
        var process: ChildProcess
        var started: Date
    }

    public init(runner: SweepRunner, sweep: Sweep, workers: Int) {
        self.runner = runner; self.sweep = sweep; self.workers = max(1, workers)
        storePath = runner.store.location.forOtherProcesses
    }

    /// Runs the sweep to its end: until no run is queued or running anywhere.
    public func run() throws -> SweepOutcome {
        var outcome = SweepOutcome()
        var running: [pid_t: Worker] = [:]
        // Cores are shared: each worker gets an even share (the BLAS kernel choice is inherited),
        // the same for every run of the sweep and after a restart. Not more for a run that starts
        // alone: a training run's numbers depend on its thread count in the last bits (conv
        // weight gradients are summed per worker), and a resumed run must end bit-identical to
        // one that never stopped (KilledSweepTests).
        let threads = SweepSupervisor.threadsPerWorker(cores: Parallel.threads, workers: workers)
        var environment = ProcessInfo.processInfo.environment
        environment["REIDKD_THREADS"] = String(threads)
        environment[SweepWorker.supervisorVariable] = String(getpid())
        environment[SweepWorker.workersVariable] = String(workers)
        // A password in the store's URL goes through the environment, not the command line (`ps`).
        let storeArgs = runner.store.location.hasPassword ? [] : ["--store", storePath]
        if runner.store.location.hasPassword { environment[StoreDefaults.environmentVariable] = storePath }
        var lastLook = Date.distantPast
        while true {
            // Hand claimable runs to new workers: at the start, when a worker ended, and now and
            // then (a teacher trained by another process can make students claimable).
            if running.count < workers && Date().timeIntervalSince(lastLook) > 0.5 {
                lastLook = Date()
                // A killed sweep's workers may still have been exiting when this one started.
                try store.requeue(sweep: sweep.id, staleAfter: StoreDefaults.staleAfter)
                while running.count < workers,
                      let next = try store.nextClaimableRun(sweep: sweep.id, excluding: Set(running.values.map(\.run.id))) {
                    let p = try ChildProcess(executable: executable,
                                             arguments: ["worker"] + storeArgs + ["--sweep", sweep.name, "--run", String(next.id)],
                                             environment: environment)
                    running[p.pid] = Worker(run: next, process: p, started: Date())
                }
            }
            if running.isEmpty {
                lastLook = .distantPast
                if try !store.requeue(sweep: sweep.id, staleAfter: StoreDefaults.staleAfter).isEmpty { continue }
                if try failStudentsOfFailedTeacher() { continue }
                if try !store.failBlockedRuns(sweep: sweep.id).isEmpty { continue }
                let counts = try store.statusCounts(sweep: sweep.id)
                // Runs other live processes hold (another `reidkd sweep` of this sweep, a worker
                // of a killed sweep still exiting), or students waiting for their teacher.
                if (counts[.running] ?? 0) > 0 || (counts[.queued] ?? 0) > 0 {
                    Thread.sleep(forTimeInterval: 0.2)
                    continue
                }
                return outcome
            }
            var ended = false
            for (pid, w) in running {
                guard let exit = w.process.poll() else { continue }
                running[pid] = nil
                ended = true
                try record(w, exit: exit, into: &outcome)
            }
            if ended { lastLook = .distantPast } else { Thread.sleep(forTimeInterval: 0.02) }
        }
    }

    /// Threads per worker: the cores (REIDKD_THREADS when set: the whole sweep's budget) split
    /// evenly among the workers.
    static func threadsPerWorker(cores: Int, workers: Int) -> Int { max(1, cores / max(1, workers)) }

    /// This process's executable file: its path when that path still names the very file
    /// running (same device and inode), so workers show up as `reidkd` in `ps`; otherwise
    /// (rebuilt or deleted meanwhile) /proc/self/exe, which always execs the running image.
    public static func runningExecutable() -> String {
        let proc = "/proc/self/exe"
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: proc), path.hasPrefix("/") else { return proc }
        var a = stat(), b = stat()
        guard stat(proc, &a) == 0, stat(path, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino else { return proc }
        return path
    }

    /// Records how a worker ended. A run still `running` under that worker's pid was not ended
    /// by it: it crashed (or exited on an error before it could record one).
    func record(_ w: Worker, exit: ChildProcess.Exit, into outcome: inout SweepOutcome) throws {
        let lines = w.process.lastLines()
        let run = try store.run(w.run.id)
        let mine = run.pid == Int(w.process.pid) && run.host == ProcessInfo.processInfo.hostName
        if run.status == .running && mine {
            let what = exit.signal != nil ? "crashed: \(exit.description)" : "worker exited with \(exit.description) without recording an end"
            let error = "\(what); peak memory \(String(format: "%.0f", exit.peakRSSMiB)) MiB; last output:\n" + lines.joined(separator: "\n")
            if try store.markCrashed(run.id, host: ProcessInfo.processInfo.hostName, pid: Int(w.process.pid), error: error) {
                RunLog(directory: runner.runDirectory(run.name)).write("   \(what) (peak memory \(String(format: "%.0f", exit.peakRSSMiB)) MiB)")
                _ = try? store.recordArtifact(run: run.id, kind: "log", file: "\(runner.runDirectory(run.name))/log.txt")
                FileHandle.standardError.write(Data("reidkd: warning: run \(run.name) \(what); recorded as failed, the sweep goes on\n".utf8))
                outcome.failed += 1
            }
        } else if mine {
            switch run.status {
            case .finished: outcome.finished += 1
            case .pruned: outcome.pruned += 1
            case .failed, .diverged: outcome.failed += 1
            default: break
            }
        }
        if mine { try store.setSummary(run: run.id, ["worker_peak_rss_mib": exit.peakRSSMiB]) }
    }

    /// When the teacher run ended without a model, its queued students can never run: mark them
    /// failed (a re-run with --retry-failed retries the teacher and them).
    func failStudentsOfFailedTeacher() throws -> Bool {
        guard let t = try store.runs(RunFilter(sweep: sweep.id, roles: [.teacher])).first, t.status.isTerminal,
              try !store.teacherIsReady(sweep: sweep.id) else { return false }
        let failed = try store.failQueuedStudents(sweep: sweep.id, error: "the teacher run \(t.name) is \(t.status.rawValue) without a model; re-run the sweep with --retry-failed")
        if !failed.isEmpty { log("the teacher run is \(t.status.rawValue): \(failed.count) distilled student(s) cannot run") }
        return !failed.isEmpty
    }
}
