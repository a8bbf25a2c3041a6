// Launchers: how a recorded sweep's runs get worker processes. Every launcher starts the same
// `reidkd worker --store STORE --sweep NAME` (which claims a run from the store and trains it);
// they differ in where and when: `local` supervises workers on this machine (SweepSupervisor),
// `slurm` submits them as batch jobs. An extension point like the others: one type per file and
// one line in `SweepLaunchers.all`.
import Foundation
import Store
import Support

/// What `reidkd sweep --launcher NAME` hands a launcher.
public struct LaunchOptions {
    /// Worker processes at once (local: this machine's workers; a cluster launcher may ignore it).
    public var workers: Int
    /// Launcher-specific arguments (`--slurm-args "…"`), split like a shell would.
    public var extraArguments: [String]
    /// The `reidkd` program the workers run (the running executable by default).
    public var executable: String
    public var log: (String) -> Void

    public init(workers: Int, extraArguments: [String] = [], executable: String = SweepSupervisor.runningExecutable(),
                log: @escaping (String) -> Void = { print($0) }) {
        self.workers = workers; self.extraArguments = extraArguments; self.executable = executable; self.log = log
    }

    /// `text` split into words as a shell would (quotes, backslashes), for `extraArguments`.
    public static func words(_ text: String) throws -> [String] { try Slurm.words(text) }
}

/// How a launch ended: the runs ran here, or jobs were submitted that will run them.
public enum LaunchResult {
    case ran(SweepOutcome)
    case submitted(jobs: [String])
}

/// A scheduler's view of one job (or array task), for `reidkd sweep status`.
public struct JobState: Equatable, Sendable {
    /// `RUNNING`, `PENDING`, `COMPLETED`, `CANCELLED`, `TIMEOUT`, `PREEMPTED`, `FAILED` …
    public var state: String
    public var elapsed: String
    /// Why it waits or how it ended (`Dependency`, `exit 1` …); empty when nothing to say.
    public var reason: String
    public init(state: String, elapsed: String = "", reason: String = "") { self.state = state; self.elapsed = elapsed; self.reason = reason }

    /// Still to run or running.
    public var isAlive: Bool { ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"].contains(state) }
}

public protocol SweepLauncher {
    /// The registry name (`--launcher NAME`).
    static var name: String { get }
    /// One line for `--launcher`'s help.
    static var help: String { get }
    init(options: LaunchOptions) throws
    /// What `--dry-run` shows besides the checked plan (nothing is written or submitted).
    func dryRun(runner: SweepRunner, store: StoreLocation) throws -> String
    /// Runs, or submits jobs that will run, the queued runs of the recorded `sweep`.
    func launch(runner: SweepRunner, sweep: Sweep) throws -> LaunchResult
    /// The job this process runs in under this launcher's scheduler (nil: not in one).
    static func currentJob(_ environment: [String: String]) -> String?
    /// The scheduler's view of the sweep's jobs — those recorded in `sweepDirectory` and those
    /// named by its runs — keyed by job name; nil when this launcher never ran the sweep.
    static func jobStates(sweepDirectory: String, jobs: [String]) -> [String: JobState]?
}

public enum SweepLaunchers {
    /// Every launcher, the default first.
    public static let all: [any SweepLauncher.Type] = [
        LocalLauncher.self,
        SlurmLauncher.self,
    ]

    public static var names: [String] { all.map { $0.name } }
    public static var helpText: String { all.map { "\($0.name) (\($0.help))" }.joined(separator: "; ") }

    /// The launcher called `name`; an error naming the closest one otherwise.
    public static func named(_ name: String) throws -> any SweepLauncher.Type {
        if let l = all.first(where: { $0.name == name.lowercased() }) { return l }
        let hint = Suggest.closest(to: name, in: names).map { "did you mean '\($0)'? " } ?? ""
        throw SweepError("--launcher: unknown launcher '\(name)'; \(hint)choose from \(names.joined(separator: ", "))")
    }

    /// The job this process runs in, by the first launcher that recognizes its environment.
    public static func currentJob(_ environment: [String: String]) -> String? {
        all.lazy.compactMap { $0.currentJob(environment) }.first
    }
}
