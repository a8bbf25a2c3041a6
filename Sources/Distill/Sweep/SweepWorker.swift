// `reidkd worker`: trains one run of a recorded sweep in this process, from the store alone —
// the sweep row says where its files are (working directory, sweep file, results root), the run
// row what to train. The sweep supervisor starts one per run; a cluster job array can start the
// same command. The run is taken under a lease (Store/Leases.swift), so a worker that dies for
// any reason is seen as dead at once by every other process on the host.
import Foundation
import Tensor
import Store

public enum SweepWorker {
    /// Set by the supervisor for its workers: its pid (a worker exits at once if its parent is
    /// not that process any more, and `kill-sweep` faults kill it).
    public static let supervisorVariable = "REIDKD_SUPERVISOR_PID"
    /// Set by the supervisor for its workers: how many it runs at once (the sweep ETA shares the
    /// work left among them).
    public static let workersVariable = "REIDKD_SWEEP_WORKERS"

    /// Worker processes of this sweep running at the same time, as the supervisor says; 1 for a
    /// worker started otherwise (a cluster job, a test draining runs in process).
    static func concurrentWorkers(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        environment[workersVariable].flatMap(Int.init).map { max(1, $0) } ?? 1
    }

    /// What a worker did; the exit status of `reidkd worker`.
    public enum Result: Int32 {
        /// The run finished.
        case finished = 0
        /// The run failed or diverged (recorded in the store).
        case failed = 1
        /// Nothing to do: the run was not queued (another process took it), or none is claimable.
        case nothingToDo = 3
    }

    /// Called first thing in a worker process: when a supervisor started it, die with the
    /// supervisor (PR_SET_PDEATHSIG) and return false if the supervisor is already gone.
    public static func attachToSupervisor() -> Bool {
        guard let s = ProcessInfo.processInfo.environment[supervisorVariable], let pid = pid_t(s) else { return true }
        return ChildProcess.dieWithParent(expectedParent: pid)
    }

    /// Trains run `runID` of sweep `sweepName` (it must be queued), or, with nil, the next run a
    /// worker may take (a distilled student only once the teacher is ready; while only students
    /// waiting for a teacher that another process trains are left, wait for it). `log` receives
    /// the lines about the run.
    public static func run(store: ExperimentStore, sweepName: String, runID: Int64?, log: @escaping (String) -> Void = { print($0) }) throws -> Result {
        let sweep = try store.requireSweep(named: sweepName)
        guard let launch = try store.launch(sweep: sweep.id) else {
            throw SweepError("sweep '\(sweepName)' in \(store.path) was recorded by an older reidkd that did not note where its files are; run `reidkd sweep FILE` once")
        }
        guard FileManager.default.changeCurrentDirectoryPath(launch.workdir) else {
            throw SweepError("cannot change to the sweep's working directory \(launch.workdir) (recorded by `reidkd sweep`); run the worker where it can see that folder")
        }
        let spec = try SweepSpec.load(path: launch.specPath)
        guard spec.name == sweep.name else {
            throw SweepError("\(launch.specPath) now names sweep '\(spec.name)', not '\(sweep.name)'; run `reidkd sweep \(launch.specPath)` again")
        }
        let runner = try SweepRunner(spec: spec, specPath: launch.specPath, store: store, resultsRoot: launch.resultsRoot)
        runner.log = log
        let dataset = try runner.dataset(for: runner.runs[0].config)
        // Runs a killed worker (a killed sweep, a cancelled job) left `running` go back first.
        try store.requeue(sweep: sweep.id, staleAfter: StoreDefaults.staleAfter)
        let lease = try store.acquireLease()
        defer { lease.release() }
        var worker = runner.workerInfo(lease)
        worker.job = SweepLaunchers.currentJob(ProcessInfo.processInfo.environment)
        var run: Run
        if let id = runID {
            let target = try store.run(id)
            guard target.sweepID == sweep.id else { throw SweepError("run \(id) is not a run of sweep '\(sweepName)'; `reidkd runs list --sweep \(sweepName)` shows its ids") }
            if target.role == .student { guard try waitForTeacher(store: store, sweep: sweep.id, log: log) else { return .nothingToDo } }
            // A pinned run that needs others (a Slurm teacher stage after one still running).
            guard try waitForDependencies(of: target, store: store, log: log) else { return .nothingToDo }
            do { run = try store.start(id, worker: worker) } catch StoreError.invalidTransition(_, let from, _) {
                log("run \(id) (\(target.name)) is \(from.rawValue), not queued: nothing to do")
                return .nothingToDo
            }
        } else {
            while true {
                if let r = try store.claimNextRun(sweep: sweep.id, worker: worker, studentsWaitForTeacher: true) { run = r; break }
                let queued = try store.runs(RunFilter(sweep: sweep.id, statuses: [.queued]))
                guard !queued.isEmpty, try waitForTeacher(store: store, sweep: sweep.id, log: log) else { return .nothingToDo }
            }
        }
        lease.keepAlive(run: run.id, store: store)
        let stop = WorkerStop.markInterruptedOnSignal(store: store, run: run, log: log)
        defer { stop.cancel() }
        switch try runner.runClaimed(run, dataset: dataset) {
        case .finished, .pruned: return .finished
        case .failed, .diverged: return .failed
        }
    }

    /// Waits until the sweep's teacher is ready; false when it never will be (its run ended
    /// without a model, or nobody is running or queued to train it).
    static func waitForTeacher(store: ExperimentStore, sweep: Int64, log: (String) -> Void, poll: TimeInterval = 1) throws -> Bool {
        var said = false
        while try !store.teacherIsReady(sweep: sweep) {
            let teachers = try store.runs(RunFilter(sweep: sweep, roles: [.teacher]))
            if teachers.contains(where: { $0.status.isTerminal }) { return false }
            if !said { log("waiting for the teacher run of the sweep to finish …"); said = true }
            Thread.sleep(forTimeInterval: poll)
        }
        return true
    }

    /// Waits until every run `run` depends on has finished with a model; false (nothing to do)
    /// once one of them ended without one.
    static func waitForDependencies(of run: Run, store: ExperimentStore, log: (String) -> Void, poll: TimeInterval = 1) throws -> Bool {
        guard let sweep = run.sweepID, !run.dependsOn.isEmpty else { return true }
        var said = false
        while true {
            let deps = try store.runs(RunFilter(sweep: sweep)).filter { run.dependsOn.contains($0.name) }
            var ready = true
            for d in deps {
                let hasModel = try store.artifacts(run: d.id).contains { $0.kind == "model" }
                if d.status == .finished && hasModel { continue }
                if d.status.isTerminal { log("run \(d.name), which \(run.name) needs, is \(d.status.rawValue): nothing to do"); return false }
                ready = false
            }
            if ready { return true }
            if !said { log("waiting for \(run.dependsOn.joined(separator: ", ")) to finish …"); said = true }
            Thread.sleep(forTimeInterval: poll)
        }
    }
}
