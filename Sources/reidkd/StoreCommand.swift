// `reidkd store copy --from A --to B [--sweep NAME …]`: moves sweeps between experiment stores
// (SQLite ↔ PostgreSQL, or two of a kind), every row, ids remapped; copying again is a no-op,
// a different sweep of the same name in the target is refused. Thin: the copy is Store's.
import ArgumentParser
import Foundation
import Store

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Work on experiment stores as a whole: copy sweeps between them.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy sweeps, with all their runs, metrics, summaries and artifact records, into another store.",
            discussion: """
                A store is an SQLite file or a postgresql://user@host:port/db URL. Run ids are the target's own. The \
                target is created if needed; the source is left as it is. A sweep the target already holds, identical, \
                is skipped; one that differs is refused with what differs. Runs that were running arrive interrupted \
                (their workers hold leases in the source): running the sweep against the target resumes them.
                """)
        @Option(help: "The store to copy from.") var from: String
        @Option(help: "The store to copy into (created if needed).") var to: String
        @Option(help: "A sweep to copy (repeat for several; default: every sweep of --from).") var sweep: [String] = []

        func run() throws {
            guard StoreLocation(from).forOtherProcesses != StoreLocation(to).forOtherProcesses else {
                throw CLIFailure(description: "--from and --to name the same store (\(StoreLocation(to).display)): nothing to copy")
            }
            let source = try ExperimentStore(path: from, create: false)
            let names = sweep.isEmpty ? try source.sweeps().map(\.name) : try sweep.map { try source.requireSweep(named: $0).name }
            guard !names.isEmpty else { throw CLIFailure(description: "\(source.path) holds no sweep: nothing to copy") }
            let target = try ExperimentStore(path: to)
            for name in names {
                let c = try source.copySweep(named: name, to: target)
                let what = "\(c.runs) runs, \(c.metrics) metric rows, \(c.params) params, \(c.summaries) summary values, \(c.artifacts) artifact records"
                print(c.copied ? "copied sweep \(name) to \(target.path): \(what)" : "sweep \(name) is already in \(target.path), identical (\(what)): nothing copied")
            }
        }
    }
}
