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

    /// The planned jobs: whether the teacher stage gets a job, and how many array tasks follow.
    struct Plan {
        var teacherRun: Int64?
        var tasks: Int
        var teacherRunning = false
    }

    public func dryRun(runner: SweepRunner, store: StoreLocation) throws -> String {
        let teacher = runner.runs.contains { $0.planned.role == .teacher }
        let plan = Plan(teacherRun: teacher ? 0 : nil, tasks: runner.runs.filter { $0.planned.role != .teacher }.count)
        let dir = Self.folder(runner)
        var out = "slurm: would write \(dir)/teacher.sbatch and \(dir)/students.sbatch and submit (for a fresh sweep; a re-submission counts the runs still to do):\n"
        for (script, args) in commands(plan, dir: dir, teacherJob: "<teacher job>") { out += "  sbatch " + (args + [script]).map(Self.quoted).joined(separator: " ") + "\n" }
        if teacher { out += "\n── \(dir)/teacher.sbatch\n" + script(runner: runner, store: store, run: "<teacher run id>", array: false) }
        out += "\n── \(dir)/students.sbatch\n" + script(runner: runner, store: store, run: nil, array: true)
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
        let runs = try store.runs(RunFilter(sweep: sweep.id))
        let teacher = runs.first { $0.role == .teacher }
        var plan = Plan(teacherRun: teacher?.status == .queued ? teacher?.id : nil,
                        tasks: runs.filter { $0.role != .teacher && $0.status == .queued }.count)
        plan.teacherRunning = teacher?.status == .running
        if plan.teacherRun == nil && plan.tasks == 0 {
            let counts = try store.statusCounts(sweep: sweep.id)
            options.log("slurm: nothing to submit: \(counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")) (runs that failed are re-run with --retry-failed)")
            return .submitted(jobs: [])
        }
        if let t = teacher, t.status.isTerminal && t.status != .finished && plan.tasks > 0 {
            throw SweepError("the teacher run \(t.name) is \(t.status.rawValue); its students cannot run: submit again with --retry-failed")
        }
        let dir = Self.folder(runner)
        try FileSystem.createFolder(dir)
        if let id = plan.teacherRun {
            try write(script(runner: runner, store: store.location, run: String(id), array: false), to: "\(dir)/teacher.sbatch")
        }
        try write(script(runner: runner, store: store.location, run: nil, array: true), to: "\(dir)/students.sbatch")
        var environment = ProcessInfo.processInfo.environment
        if store.location.hasPassword { environment[StoreDefaults.environmentVariable] = store.location.forOtherProcesses }
        var jobs: [String] = [], teacherJob: String?
        for index in commands(plan, dir: dir, teacherJob: "").indices {
            // The array's dependency names the teacher job submitted just before it.
            let (script, args) = commands(plan, dir: dir, teacherJob: teacherJob ?? "")[index]
            let result = try Slurm.run(sbatch, args + [script], environment: environment)
            guard result.status == 0, let id = result.output.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
                  !id.isEmpty, id.allSatisfy(\.isNumber) else {
                throw SweepError("sbatch \(script) failed (exit \(result.status)): \(result.errors.isEmpty ? result.output : result.errors)")
            }
            if script.hasSuffix("teacher.sbatch") { teacherJob = id }
            jobs.append(id)
            let kind = script.hasSuffix("teacher.sbatch") ? "teacher" : "array"
            let line = "\(id)\t\(kind)\t\(kind == "array" ? plan.tasks : 1)\t\(ISO8601DateFormatter().string(from: Date()))\n"
            try Slurm.append(line, to: "\(dir)/jobs.tsv")
        }
        var said = "slurm: submitted"
        if let t = teacherJob { said += " teacher job \(t)" }
        if plan.tasks > 0 {
            said += (teacherJob == nil ? "" : " and") + " job array \(jobs.last!) (\(plan.tasks) task\(plan.tasks == 1 ? "" : "s")"
            said += teacherJob.map { ", after \($0) succeeds)" } ?? (plan.teacherRunning ? ", students wait for the teacher run already running)" : ")")
        }
        options.log(said + "; scripts and job output in \(dir); watch with `reidkd sweep status \(sweep.name)\(Self.storeOption(store.location))`")
        return .submitted(jobs: jobs)
    }

    /// `(script, sbatch arguments)` of each submission, in order.
    func commands(_ plan: Plan, dir: String, teacherJob: String) -> [(String, [String])] {
        var out: [(String, [String])] = []
        if plan.teacherRun != nil { out.append(("\(dir)/teacher.sbatch", ["--parsable"] + options.extraArguments)) }
        if plan.tasks > 0 {
            var args = ["--parsable", "--array=0-\(plan.tasks - 1)"]
            if plan.teacherRun != nil { args += ["--dependency=afterok:\(teacherJob)", "--kill-on-invalid-dep=yes"] }
            out.append(("\(dir)/students.sbatch", args + options.extraArguments))
        }
        return out
    }

    /// The batch script: one worker. `run` pins the teacher job to the teacher run.
    func script(runner: SweepRunner, store: StoreLocation, run: String?, array: Bool) -> String {
        let dir = Self.folder(runner), name = runner.spec.name
        let workdir = FileManager.default.currentDirectoryPath
        var worker = [options.executable, "worker"]
        if !store.hasPassword { worker += ["--store", store.forOtherProcesses] }
        worker += ["--sweep", name]
        if let run { worker += ["--run", run] }
        return """
            #!/bin/bash
            # ReidKD sweep '\(name)': \(array ? "one task per run; each claims the next run of the sweep from the store" : "the teacher stage (the sweep's teacher run)").
            # Works in \(workdir); results, checkpoints and the teacher-output cache go under
            # \(runner.sweepDirectory)/ there, which every node must see. Written by `reidkd sweep --launcher slurm`.
            # A cancelled, preempted or timed-out task leaves its run interrupted; submitting the sweep
            # again resumes it from its last checkpoint.\(store.hasPassword ? "\n# The store's URL holds a password: it comes from REIDKD_STORE in the job's environment (sbatch passes it on)." : "")
            #SBATCH --job-name=reidkd-\(name)\(array ? "" : "-teacher")
            #SBATCH --output=\(dir)/\(array ? "students-%A_%a" : "teacher-%j").out
            cd \(Self.quoted(workdir)) || exit 1
            export REIDKD_THREADS="${REIDKD_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"
            \(worker.map(Self.quoted).joined(separator: " "))
            status=$?
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
