// `reidkd report`: compare the students of a sweep with their teacher, from the store only.
// Thin: parses arguments, calls Report.ReportGenerator, prints; errors are one line, exit 1.
import ArgumentParser
import Foundation
import Report
import Store

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Student-vs-teacher report (Markdown, HTML, CSV, JSON, charts, rank lists) from the experiment store.")

    @Option(help: "The sweep to report (default: the only, or the latest, sweep in the store).") var sweep: String?
    @Option(help: "Report these runs instead of a sweep: ids and ranges, e.g. 1,3,5-8.") var runs: String?
    @Option(help: "The experiment store (an SQLite file or a postgresql:// URL; default: $REIDKD_STORE, else results/reidkd.sqlite).") var store: String = StoreDefaults.path
    @Option(help: "Output folder (default: results/<sweep>/ next to the store).") var out: String?
    @Option(help: "Formats to write, comma-separated: md, html, csv, json.") var format: String = "md,html,csv,json"

    func validate() throws {
        if sweep != nil && runs != nil { throw ValidationError("give either --sweep NAME or --runs IDS, not both") }
    }

    func run() throws {
        let selection: ReportSelection = try runs.map { .runs(try ReportSelection.parseRunIDs($0)) } ?? .sweep(sweep)
        let outcome = try ReportGenerator.run(ReportOptions(storePath: store, selection: selection, outDir: out,
                                                            formats: try ReportFormat.parseList(format)))
        print(outcome.terminalText)
        let dirs = Set(outcome.files.filter { $0.contains("/") }.map { String($0.split(separator: "/")[0]) + "/" }).sorted()
        print("wrote \(outcome.files.count) file\(outcome.files.count == 1 ? "" : "s") to \(outcome.outDir): " + (outcome.files.filter { !$0.contains("/") } + dirs).joined(separator: ", "))
    }
}
