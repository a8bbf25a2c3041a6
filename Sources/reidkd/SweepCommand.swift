// `reidkd sweep FILE [--dry-run] [--workers N] [--store PATH]`: expand, record and run a
// distillation sweep. Thin: the plan, the store and the training live in Distill/Store.
import ArgumentParser
import Foundation
import Tensor
import Distill
import Store

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a distillation sweep: teacher, baselines and distilled students, recorded in the store.")

    @Argument(help: "Sweep file, e.g. experiments/quick.yaml.") var file: String
    @Flag(help: "Print the plan and validate every run's config; train nothing.") var dryRun = false
    @Option(help: "Worker processes draining the student runs (default: the file's 'workers').") var workers: Int?
    @Option(help: "The experiment store (SQLite file).") var store: String = StoreDefaults.path
    @Flag(help: .hidden) var workerProcess = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        do {  // what this throws is printed as one `reidkd: error:` line by ReidKD.main
            let spec = try SweepSpec.load(path: file)
            let plan = SweepPlan(spec)
            if !workerProcess { print(plan.summary) }
            let db = try ExperimentStore(path: store)
            let runner = try SweepRunner(spec: spec, specPath: file, store: db)
            if dryRun { print("dry run: every config resolved; nothing trained"); return }
            let dataset = try runner.dataset(for: runner.runs[0].config)
            if workerProcess {
                let sweep = try db.requireSweep(named: spec.name)
                _ = try runner.work(sweep: sweep, roles: [.baseline, .student], dataset: dataset)
                return
            }
            print(dataset.statisticsTable)
            let sweep = try runner.record(fingerprint: try dataset.fingerprint())
            let start = Date()
            var outcome = try runner.work(sweep: sweep, roles: [.teacher], dataset: dataset)
            let n = workers ?? spec.workers
            if n > 1 {
                // Extra processes claim runs from the store alongside this one; cores are shared.
                let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / n)
                var children: [Process] = []
                for _ in 1..<n {
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
                    p.arguments = ["sweep", file, "--store", store, "--worker-process"]
                    var env = ProcessInfo.processInfo.environment
                    env["REIDKD_THREADS"] = String(threads)
                    p.environment = env
                    try p.run()
                    children.append(p)
                }
                let o = try runner.work(sweep: sweep, roles: [.baseline, .student], dataset: dataset)
                outcome.finished += o.finished; outcome.failed += o.failed
                for p in children { p.waitUntilExit() }
            } else {
                let o = try runner.work(sweep: sweep, roles: [.baseline, .student], dataset: dataset)
                outcome.finished += o.finished; outcome.failed += o.failed
            }
            print("\nsweep \(spec.name): \(String(format: "%.0f", Date().timeIntervalSince(start))) s")
            print(try runner.summaryTable(sweep: sweep))
            let failed = try db.runs(RunFilter(sweep: sweep.id, statuses: [.failed, .diverged])).count
            if failed > 0 {
                throw CLIFailure(description: "\(failed) run(s) failed or diverged; see `reidkd runs list --sweep \(spec.name) --status failed,diverged`",
                                 exitCode: Int32(min(failed, 125)))
            }
        }
    }
}
