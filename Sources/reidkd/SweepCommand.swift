// `reidkd sweep FILE [--dry-run] [--workers N] [--retry-failed] [--store PATH]`: expand, check,
// record and run a distillation sweep, each run in a worker process of its own. Thin: the plan,
// the smoke check, the store and the supervision live in Distill/Store.
import ArgumentParser
import Foundation
import Tensor
import Distill
import Store

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a distillation sweep: teacher, baselines and distilled students, recorded in the store.",
        discussion: """
            Every run's config is resolved and its model smoke-checked (one training step on 2 images, one eval \
            forward) before anything is recorded. Each run then trains in a `reidkd worker` process of its own; a run \
            whose process crashes is recorded as failed (signal, peak memory, last output) and the sweep goes on. \
            Re-running the sweep skips finished runs, resumes interrupted ones from their last checkpoint and leaves \
            failed ones alone unless --retry-failed.
            """)

    @Argument(help: "Sweep file, e.g. experiments/quick.yaml.") var file: String
    @Flag(help: "Print the plan, resolve and smoke-check every run's config; train and write nothing.") var dryRun = false
    @Option(help: "Worker processes running at once (default: the file's 'workers').") var workers: Int?
    @Flag(help: "Also re-run runs that failed (crashed or errored) in an earlier invocation.") var retryFailed = false
    @Option(help: "The experiment store (SQLite file).") var store: String = StoreDefaults.path

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        do {  // what this throws is printed as one `reidkd: error:` line by ReidKD.main
            let spec = try SweepSpec.load(path: file)
            print(SweepPlan(spec).summary)
            // Resolved and checked against a store in memory: a plan that fails leaves no trace.
            let planner = try SweepRunner(spec: spec, specPath: file, store: try ExperimentStore.inMemory())
            let checkStart = Date()
            let models = try SweepSmokeCheck.run(planner.runs)
            print(String(format: "smoke check: %d model(s) built, one training step on 2 images and one eval forward each (%.1f s)",
                         models, Date().timeIntervalSince(checkStart)))
            if dryRun { print("dry run: every config resolved and checked; nothing trained, nothing written"); return }
            let db = try ExperimentStore(path: store)
            let runner = try SweepRunner(spec: spec, specPath: file, store: db)
            let dataset = try runner.dataset(for: runner.runs[0].config)
            print(dataset.statisticsTable)
            let sweep = try runner.record(fingerprint: try dataset.fingerprint(), retryFailed: retryFailed)
            let start = Date()
            let outcome = try SweepSupervisor(runner: runner, sweep: sweep, workers: workers ?? spec.workers).run()
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
