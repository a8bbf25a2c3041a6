// The Slurm launcher: the teacher stage as one batch job, every other run (baselines and
// distilled students) as one job array that starts once the teacher job has succeeded
// (`--dependency=afterok`, and `--kill-on-invalid-dep=yes` so a failed teacher cancels the array
// instead of leaving it pending forever). Every job runs `reidkd worker --store STORE --sweep
// NAME` in the sweep's working directory, which must be on a file system all nodes share (the
// sweep's results, checkpoints and teacher-output cache live under it), against a store all
// nodes reach (PostgreSQL; an SQLite file only when every job runs on this host).
//
// The batch scripts are written next to the sweep's results (`results/NAME/slurm/`), with each
// submission's job ids in `jobs.tsv` there for `reidkd sweep status`. A task that is cancelled,
// preempted or runs out of time leaves its run `interrupted` (the worker records it on SIGTERM);
// submitting the sweep again submits jobs for what is left, and resumes those runs from their
// last checkpoints.
import Foundation
import Store
import Support

public struct SlurmLauncher: SweepLauncher {
    public static let name = "slurm"
    public static let help = "the teacher as a Slurm batch job, the other runs as a job array after it (--slurm-args adds sbatch options)"
    let options: LaunchOptions

    public init(options: LaunchOptions) throws {
        self.options = options
    }

    /// The planned jobs: the teacher stages in order, each a list of runs pinned to its tasks
    /// (their ids, or names in a dry run), and how many array tasks follow for the other runs.
    struct Plan {
        var stages: [[String]]
        var tasks: Int
        var teacherRunning = false
        var hasTeacherJob: Bool { !stages.isEmpty }
    }

    /// The teacher-role runs still to do (`todo`: name → id or placeholder), by stage: a run
    /// comes in the stage after the last one holding a run it depends on. One teacher is one
    /// stage; several teachers (`teachers:`) are one stage of parallel tasks, and a teacher
    /// assistant (`assistant:`) a second stage after them.
    static func stages(_ teachers: [(name: String, dependsOn: [String])], todo: [String: String]) -> [[String]] {
        var stageOf: [String: Int] = [:]
        var left = teachers.filter { todo[$0.name] != nil }
        while !left.isEmpty {
            let ready = left.filter { r in r.dependsOn.allSatisfy { d in stageOf[d] != nil || !left.contains { $0.name == d } } }
            guard !ready.isEmpty else { break }   // a cycle: the plan refuses those before this
            for r in ready { stageOf[r.name] = (r.dependsOn.compactMap { stageOf[$0] }.max() ?? -1) + 1 }
            left.removeAll { r in ready.contains { $0.name == r.name } }
        }
        let count = (stageOf.values.max() ?? -1) + 1
        return (0..<count).map { k in teachers.filter { stageOf[$0.name] == k }.map { todo[$0.name]! } }
    }

    public func dryRun(runner: SweepRunner, store: StoreLocation) throws -> String {
        let teachers = runner.runs.map(\.planned).filter { $0.role == .teacher }
        let stages = Self.stages(teachers.map { ($0.name, $0.dependsOn) },
                                 todo: Dictionary(uniqueKeysWithValues: teachers.map { ($0.name, "<id of \($0.name)>") }))
        let plan = Plan(stages: stages, tasks: runner.runs.filter { $0.planned.role != .teacher }.count)
        let dir = Self.folder(runner)
        let scripts = commands(plan, dir: dir, previous: { "<job of stage \($0 + 1)>" }).map(\.0)
        var out = "slurm: would write \(scripts.joined(separator: ", ")) and submit (for a fresh sweep; a re-submission counts the runs still to do):\n"
        for (script, args) in commands(plan, dir: dir, previous: { "<job of stage \($0 + 1)>" }) {
            out += "  sbatch " + (args + [script]).map(Self.quoted).joined(separator: " ") + "\n"
        }
        for (k, stage) in plan.stages.enumerated() { out += "\n── \(scripts[k])\n" + script(runner: runner, store: store, runs: stage) }
        if plan.tasks > 0 { out += "\n── \(dir)/students.sbatch\n" + script(runner: runner, store: store, runs: nil) }
        return out
    }

    public func launch(runner: SweepRunner, sweep: Sweep) throws -> LaunchResult {
        let store = runner.store
        guard let sbatch = Slurm.which("sbatch") else {
            throw SweepError("--launcher slurm: sbatch is not on PATH; run this on a Slurm login node (or use --launcher local)")
        }
        if !store.location.isPostgres {
            options.log("reidkd: warning: an SQLite store (\(store.path)) is safe only when every job runs on this host; use --store postgresql://… for a cluster")
        }
        try store.failBlockedRuns(sweep: sweep.id)
        let runs = try store.runs(RunFilter(sweep: sweep.id))
        let teachers = runs.filter { $0.role == .teacher }
        let queued = Dictionary(uniqueKeysWithValues: teachers.filter { $0.status == .queued }.map { ($0.name, String($0.id)) })
        var plan = Plan(stages: Self.stages(teachers.map { ($0.name, $0.dependsOn) }, todo: queued),
                        tasks: runs.filter { $0.role != .teacher && $0.status == .queued }.count)
        plan.teacherRunning = teachers.contains { $0.status == .running }
        if !plan.hasTeacherJob && plan.tasks == 0 {
            let counts = try store.statusCounts(sweep: sweep.id)
            options.log("slurm: nothing to submit: \(counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")) (runs that failed are re-run with --retry-failed)")
            return .submitted(jobs: [])
        }
        if let t = teachers.first(where: { $0.status.isTerminal && $0.status != .finished }), plan.tasks > 0 {
            throw SweepError("the teacher run \(t.name) is \(t.status.rawValue); its students cannot run: submit again with --retry-failed")
        }
        let dir = Self.folder(runner)
        try FileSystem.createFolder(dir)
        let submissions = commands(plan, dir: dir, previous: { _ in "" })
        for (k, stage) in plan.stages.enumerated() { try write(script(runner: runner, store: store.location, runs: stage), to: submissions[k].0) }
        if plan.tasks > 0 { try write(script(runner: runner, store: store.location, runs: nil), to: "\(dir)/students.sbatch") }
        var environment = ProcessInfo.processInfo.environment
        if store.location.hasPassword { environment[StoreDefaults.environmentVariable] = store.location.forOtherProcesses }
        var jobs: [String] = []
        for index in submissions.indices {
            // Each submission's dependency names the job submitted just before it.
            let (script, args) = commands(plan, dir: dir, previous: { $0 < jobs.count ? jobs[$0] : "" })[index]
            let result = try Slurm.run(sbatch, args + [script], environment: environment)
            guard result.status == 0, let id = result.output.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
                  !id.isEmpty, id.allSatisfy(\.isNumber) else {
                throw SweepError("sbatch \(script) failed (exit \(result.status)): \(result.errors.isEmpty ? result.output : result.errors)")
            }
            jobs.append(id)
            let isTeacher = index < plan.stages.count
            let line = "\(id)\t\(isTeacher ? "teacher" : "array")\t\(isTeacher ? plan.stages[index].count : plan.tasks)\t\(ISO8601DateFormatter().string(from: Date()))\n"
            try Slurm.append(line, to: "\(dir)/jobs.tsv")
        }
        let teacherJobs = Array(jobs.prefix(plan.stages.count))
        var said = "slurm: submitted"
        if !teacherJobs.isEmpty {
            said += teacherJobs.count == 1 && plan.stages[0].count == 1 ? " teacher job \(teacherJobs[0])"
                : " teacher stage" + (teacherJobs.count == 1 ? "" : "s") + ": " + zip(teacherJobs, plan.stages).map { "job \($0) (\($1.count) run\($1.count == 1 ? "" : "s"))" }.joined(separator: ", then ")
        }
        if plan.tasks > 0 {
            said += (teacherJobs.isEmpty ? "" : " and") + " job array \(jobs.last!) (\(plan.tasks) task\(plan.tasks == 1 ? "" : "s")"
            said += teacherJobs.last.map { ", after \($0) succeeds)" } ?? (plan.teacherRunning ? ", students wait for the teacher run already running)" : ")")
        }
        options.log(said + "; scripts and job output in \(dir); watch with `reidkd sweep status \(sweep.name)\(Self.storeOption(store.location))`")
        return .submitted(jobs: jobs)
    }

    /// `(script, sbatch arguments)` of each submission, in order: the teacher stages (each after
    /// the one before), then the array of the other runs after the last stage. `previous(k)`
    /// names the job of submission k.
    func commands(_ plan: Plan, dir: String, previous: (Int) -> String) -> [(String, [String])] {
        var out: [(String, [String])] = []
        func after(_ k: Int) -> [String] { ["--dependency=afterok:\(previous(k))", "--kill-on-invalid-dep=yes"] }
        for (k, stage) in plan.stages.enumerated() {
            var args = ["--parsable"]
            if stage.count > 1 { args.append("--array=0-\(stage.count - 1)") }
            if k > 0 { args += after(k - 1) }
            out.append(("\(dir)/teacher\(k == 0 ? "" : "-stage\(k + 1)").sbatch", args + options.extraArguments))
        }
        if plan.tasks > 0 {
            var args = ["--parsable", "--array=0-\(plan.tasks - 1)"]
            if plan.hasTeacherJob { args += after(plan.stages.count - 1) }
            out.append(("\(dir)/students.sbatch", args + options.extraArguments))
        }
        return out
    }

    /// The batch script: one worker per job or array task. `runs` pins a teacher stage's tasks
    /// to its runs (task i trains runs[i]); nil: each task claims the next claimable run.
    func script(runner: SweepRunner, store: StoreLocation, runs: [String]?) -> String {
        let dir = Self.folder(runner), name = runner.spec.name
        let workdir = FileManager.default.currentDirectoryPath
        var worker = [options.executable, "worker"]
        if !store.hasPassword { worker += ["--store", store.forOtherProcesses] }
        worker += ["--sweep", name]
        var pin = ""
        if let runs, runs.count == 1 { worker += ["--run", runs[0]] }
        if let runs, runs.count > 1 { pin = "runs=(\(runs.map(Self.quoted).joined(separator: " ")))\n" }
        let array = runs == nil || runs!.count > 1
        let what = runs == nil ? "one task per run; each claims the next run of the sweep from the store"
            : runs!.count == 1 ? "a teacher stage of one run" : "a teacher stage, task i trains runs[i]"
        let command = worker.map(Self.quoted).joined(separator: " ") + (pin.isEmpty ? "" : " --run \"${runs[$SLURM_ARRAY_TASK_ID]}\"")
        return """
            #!/bin/bash
            # ReidKD sweep '\(name)': \(what).
            # Works in \(workdir); results, checkpoints and the teacher-output cache go under
            # \(runner.sweepDirectory)/ there, which every node must see. Written by `reidkd sweep --launcher slurm`.
            # A cancelled, preempted or timed-out task leaves its run interrupted; submitting the sweep
            # again resumes it from its last checkpoint.\(store.hasPassword ? "\n# The store's URL holds a password: it comes from REIDKD_STORE in the job's environment (sbatch passes it on)." : "")
            #SBATCH --job-name=reidkd-\(name)\(runs == nil ? "" : "-teacher")
            #SBATCH --output=\(dir)/\(runs == nil ? "students" : "teacher")-\(array ? "%A_%a" : "%j").out
            cd \(Self.quoted(workdir)) || exit 1
            export REIDKD_THREADS="${REIDKD_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"
            # The worker runs in the background so that this shell, which Slurm signals too, waits
            # for it to record its run interrupted: the step ends (and Slurm kills what is left)
            # as soon as this shell exits.
            \(pin)\(command) &
            worker=$!
            trap 'kill -TERM "$worker" 2>/dev/null' TERM INT
            wait "$worker"; status=$?
            while kill -0 "$worker" 2>/dev/null; do wait "$worker"; status=$?; done
            # 3: nothing left to claim (other tasks took the runs), or the run is done: not a failure.
            if [ "$status" -eq 3 ]; then exit 0; fi
            exit "$status"

            """
    }

    func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Data(text.utf8), to: path)
        chmod(path, 0o755)
    }

    /// Where the scripts, job output and job list go: `<results>/<sweep>/slurm`, absolute.
    static func folder(_ runner: SweepRunner) -> String {
        let d = "\(runner.sweepDirectory)/slurm"
        return d.hasPrefix("/") ? d : FileManager.default.currentDirectoryPath + "/" + d
    }

    static func storeOption(_ store: StoreLocation) -> String {
        store == StoreLocation(StoreDefaults.path) ? "" : " --store \(quoted(store.display))"
    }

    /// Single-quoted for the shell when it needs quoting.
    static func quoted(_ s: String) -> String {
        if !s.isEmpty && s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@%,+".contains($0)) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public static func currentJob(_ environment: [String: String]) -> String? {
        if let array = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"], !array.isEmpty, !task.isEmpty {
            return "\(array)_\(task)"
        }
        return environment["SLURM_JOB_ID"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func jobStates(sweepDirectory: String, jobs: [String]) -> [String: JobState]? {
        Slurm.jobStates(sweepDirectory: sweepDirectory, jobs: jobs)
    }
}
