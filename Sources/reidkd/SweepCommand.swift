// `reidkd sweep FILE [--dry-run] [--workers N] [--retry-failed] [--launcher local|slurm]
// [--slurm-args "…"] [--store STORE]`: expand, check, record and run a distillation sweep, each
// run in a worker process of its own (here, or as cluster jobs); `reidkd sweep status NAME`:
// the sweep's runs with their jobs. Thin: the plan, the smoke check, the store, the launchers
// and the status view live in Distill/Store.
import ArgumentParser
import Foundation
import Tensor
import Distill
import Store

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a distillation sweep (teacher, baselines and distilled students, recorded in the store), or show one.",
        subcommands: [Run.self, Status.self],
        defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a distillation sweep: teacher, baselines and distilled students, recorded in the store (`reidkd sweep FILE`).",
            discussion: """
                Every run's config is resolved and its model smoke-checked (one training step on 2 images, one eval \
                forward) before anything is recorded. Each run then trains in a `reidkd worker` process of its own: on \
                this machine (--launcher local, the default; a run whose process crashes is recorded as failed with its \
                signal, peak memory and last output, and the sweep goes on) or as Slurm jobs (--launcher slurm: the \
                teacher as one job, the other runs as a job array after it; this command submits them and returns). \
                Running the sweep again skips finished runs, resumes interrupted ones from their last checkpoint and \
                leaves failed ones alone unless --retry-failed.
                """)

        @Argument(help: "Sweep file, e.g. experiments/quick.yaml.") var file: String
        @Flag(help: "Print the plan (and a cluster launcher's scripts), resolve and smoke-check every run's config; train, write and submit nothing.")
        var dryRun = false
        @Option(help: "Worker processes running at once (--launcher local; default: the file's 'workers').") var workers: Int?
        @Flag(help: "Also re-run runs that failed (crashed or errored) in an earlier invocation.") var retryFailed = false
        @Option(help: "Where the workers run: \(SweepLaunchers.helpText).") var launcher = LocalLauncher.name
        // Unconditional: the value starts with dashes (`--slurm-args "--time=1:00:00"`).
        @Option(parsing: .unconditional, help: "Extra sbatch options for every job (--launcher slurm), e.g. \"--partition=cpu --time=2:00:00 --cpus-per-task=4\".")
        var slurmArgs: String?
        @Option(help: "The experiment store: an SQLite file, or postgresql://user@host:port/db (default: $REIDKD_STORE, else \(StoreDefaults.sqlitePath)).")
        var store: String = StoreDefaults.path

        func run() throws {
            setvbuf(stdout, nil, _IOLBF, 0)
            do {  // what this throws is printed as one `reidkd: error:` line by ReidKD.main
                let kind = try SweepLaunchers.named(launcher)
                if slurmArgs != nil && kind.name != SlurmLauncher.name {
                    throw CLIFailure(description: "--slurm-args: only used with --launcher slurm (this sweep runs with --launcher \(kind.name))")
                }
                let spec = try SweepSpec.load(path: file)
                let launch = try kind.init(options: LaunchOptions(workers: workers ?? spec.workers,
                                                                  extraArguments: try slurmArgs.map(LaunchOptions.words) ?? []))
                print(SweepPlan(spec).summary)
                // Resolved and checked against a store in memory: a plan that fails leaves no trace.
                let planner = try SweepRunner(spec: spec, specPath: file, store: try ExperimentStore.inMemory())
                let checkStart = Date()
                let models = try SweepSmokeCheck.run(planner.runs)
                print(String(format: "smoke check: %d model(s) built, one training step on 2 images and one eval forward each (%.1f s)",
                             models, Date().timeIntervalSince(checkStart)))
                if dryRun {
                    let extra = try launch.dryRun(runner: planner, store: StoreLocation(store))
                    if !extra.isEmpty { print(extra, terminator: "") }
                    print("dry run: every config resolved and checked; nothing trained, nothing written\(kind.name == LocalLauncher.name ? "" : ", nothing submitted")")
                    return
                }
                let db = try ExperimentStore(path: store)
                let runner = try SweepRunner(spec: spec, specPath: file, store: db)
                let dataset = try runner.dataset(for: runner.runs[0].config)
                print(dataset.statisticsTable)
                let sweep = try runner.record(fingerprint: try dataset.fingerprint(), retryFailed: retryFailed)
                let start = Date()
                guard case .ran(let outcome) = try launch.launch(runner: runner, sweep: sweep) else { return }
                print("\nsweep \(spec.name): \(String(format: "%.0f", Date().timeIntervalSince(start))) s (\(outcome.finished) run(s) finished, \(outcome.failed) failed in this invocation)")
                print(try runner.summaryTable(sweep: sweep))
                let failed = try db.runs(RunFilter(sweep: sweep.id, statuses: [.failed, .diverged])).count
                if failed > 0 {
                    throw CLIFailure(description: "\(failed) run(s) failed or diverged; see `reidkd runs list --sweep \(spec.name) --status failed,diverged` (--retry-failed re-runs failed ones)",
                                     exitCode: Int32(min(failed, 125)))
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A sweep's runs as the store records them, with the scheduler's state of the job of each (squeue, sacct).")
        @Argument(help: "The sweep's name.") var name: String
        @Option(help: "The experiment store: an SQLite file, or postgresql://user@host:port/db (default: $REIDKD_STORE, else \(StoreDefaults.sqlitePath)).")
        var store: String = StoreDefaults.path

        func run() throws {
            let db = try ExperimentStore(path: store, create: false)
            print(try SweepStatus.render(store: db, sweep: try db.requireSweep(named: name)), terminator: "")
        }
    }
}
