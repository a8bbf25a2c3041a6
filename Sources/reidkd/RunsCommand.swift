// `reidkd runs list | show | compare`: read the experiment store. Thin: parsing and printing
// only; the queries and table layouts live in module Store (RunsView).
import ArgumentParser
import Foundation
import Store
import Support

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show and compare runs recorded in the experiment store.",
        subcommands: [List.self, Show.self, Compare.self])

    struct StoreOption: ParsableArguments {
        @Option(name: .long, help: "The experiment store (an SQLite file or a postgresql:// URL; default: $REIDKD_STORE, else results/reidkd.sqlite).")
        var store: String = StoreDefaults.path

        /// Opens an existing store; errors (missing file, newer schema …) become a clean exit.
        func open() throws -> ExperimentStore { try ExperimentStore(path: store, create: false) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per run, with its status and summary metrics.")
        @OptionGroup var options: StoreOption
        @Option(help: "Only runs of this sweep (by name).") var sweep: String?
        @Option(help: "Only runs in these statuses (comma-separated: queued, running, finished, failed, diverged, interrupted).")
        var status: String?
        @Option(help: "Only runs of these roles (comma-separated: teacher, baseline, student).") var role: String?
        @Option(help: "Summary keys to show as columns (comma-separated); default: mAP, mINP, R1, R5, R10 where present.")
        var columns: String?

        func validate() throws {
            if let status { _ = try RunsCommand.parse(status, as: RunStatus.self, option: "--status") }
            if let role { _ = try RunsCommand.parse(role, as: RunRole.self, option: "--role") }
        }

        func run() throws {
            let store = try options.open()
            var filter = RunFilter()
            if let sweep { filter.sweep = try store.requireSweep(named: sweep).id }
            if let status { filter.statuses = try Set(RunsCommand.parse(status, as: RunStatus.self, option: "--status")) }
            if let role { filter.roles = try Set(RunsCommand.parse(role, as: RunRole.self, option: "--role")) }
            let keys = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            print(try RunsView.list(store: store, filter: filter, summaryKeys: keys), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A run's record, summary, latest metrics, params and artifacts.")
        @OptionGroup var options: StoreOption
        @Argument(help: "Run id (see `reidkd runs list`).") var id: Int64

        func run() throws {
            let store = try options.open()
            print(try RunsView.show(store: store, run: id), terminator: "")
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Config diff and summary-metric diff of two runs.")
        @OptionGroup var options: StoreOption
        @Argument(help: "Run id A.") var a: Int64
        @Argument(help: "Run id B.") var b: Int64

        func run() throws {
            let store = try options.open()
            print(RunsView.compare(try store.compare(a, b)), terminator: "")
        }
    }

    static func parse<E: RawRepresentable & CaseIterable>(_ text: String, as: E.Type, option: String) throws -> [E] where E.RawValue == String {
        try text.split(separator: ",").map { part in
            let s = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let v = E(rawValue: s) else {
                let names = E.allCases.map(\.rawValue)
                let hint = Suggest.closest(to: s, in: names).map { "did you mean '\($0)'? " } ?? ""
                throw ValidationError("\(option): unknown value '\(s)'; \(hint)choose from \(names.joined(separator: ", "))")
            }
            return v
        }
    }
}
