// `reidkd worker --store PATH --sweep NAME [--run ID]`: trains one run of a sweep recorded by
// `reidkd sweep`, in this process. The sweep supervisor starts one per run; cluster job arrays
// can start the same command (from any folder: the store says where the sweep's files are).
// Thin: the work is in Distill.SweepWorker. Exit status: 0 the run finished, 1 it failed or
// diverged (recorded in the store) or an error, 3 nothing to do.
import ArgumentParser
import Foundation
import Distill
import Store

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Train one run of a recorded sweep in this process (what `reidkd sweep` starts per run; usable from job arrays).",
        discussion: """
            Takes run ID (which must be queued) or, without --run, the next run a worker may take: the teacher first, \
            baselines at any time, distilled students once the teacher has finished (until then the worker waits). The \
            run is held under a lease (a locked file next to an SQLite store, an advisory lock in PostgreSQL), so a killed worker's run is resumed by the next \
            `reidkd sweep` or worker. Exit status: 0 the run finished, 1 it failed or diverged, or an error, 3 nothing to do.
            """)

    @Option(help: "The experiment store (an SQLite file or a postgresql:// URL; default: $REIDKD_STORE, else results/reidkd.sqlite) that holds the sweep.") var store: String = StoreDefaults.path
    @Option(help: "The sweep's name (as recorded by `reidkd sweep`).") var sweep: String
    @Option(name: .customLong("run"), help: "The run id to train (see `reidkd runs list --sweep NAME`); default: the next claimable run.")
    var runID: Int64?

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        // What this throws is printed as one `reidkd: error:` line by ReidKD.main.
        guard SweepWorker.attachToSupervisor() else {
            throw CLIFailure(description: "the sweep that started this worker has exited; nothing done")
        }
        let db = try ExperimentStore(path: StoreLocation(store).forOtherProcesses, create: false)
        let result = try SweepWorker.run(store: db, sweepName: sweep, runID: runID)
        if result != .finished { throw ExitCode(result.rawValue) }
    }
}
