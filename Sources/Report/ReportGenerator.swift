// `reidkd report` in one call: read the selected runs from the store, build the tables and
// figures, write the chosen formats (plus SVG charts and rank-list PNGs) all-or-nothing, and
// return the terminal text. The CLI only parses arguments and prints.
import Foundation
import Support
import Store

public struct ReportOptions: Sendable {
    public var storePath: String
    public var selection: ReportSelection
    /// nil: `results/<sweep>/` (or `results/report-runs-<ids>/` for --runs).
    public var outDir: String?
    public var formats: [ReportFormat]

    public init(storePath: String = StoreDefaults.path, selection: ReportSelection = .sweep(nil), outDir: String? = nil,
                formats: [ReportFormat] = ReportDefaults.formats) {
        self.storePath = storePath; self.selection = selection; self.outDir = outDir; self.formats = formats
    }
}

public struct ReportOutcome: Sendable {
    /// What the report was built from (which sweep was picked and why).
    public var source: String
    public var outDir: String
    public var files: [String]
    /// The Markdown student-vs-teacher table (+ legend notes) for the terminal.
    public var terminalText: String
    public var model: ReportModel
}

public enum ReportGenerator {
    public static func run(_ o: ReportOptions, now: Date = Date()) throws -> ReportOutcome {
        let store = try ExperimentStore(path: o.storePath, create: false)
        let source = try ReportSource.load(store: store, selection: o.selection)
        let model = ReportModel.build(source)
        let out = try o.outDir ?? defaultOutDir(source: source, folder: try store.resultsFolder(for: source.sweep))
        let stamp = timestamp(now)
        let files = try ReportWriter.write(try files(model, formats: o.formats, generatedAt: stamp), to: out)
        var text = "report of \(source.description)\n\n" + MarkdownReport.headline(model.table) + "\n\n" + MarkdownReport.table(model.table)
        if !model.table.notes.isEmpty { text += "\n" + model.table.notes.map { "note: \($0)\n" }.joined() }
        if !model.unavailable.isEmpty { text += "\n" + model.unavailable.map { "unavailable: \($0)\n" }.joined() }
        if !source.unfinished.isEmpty { text += "\n\(source.unfinished.count) selected run(s) are not finished and not in the table\n" }
        return ReportOutcome(source: source.description, outDir: out, files: files, terminalText: text, model: model)
    }

    /// `results/<sweep>/` in the store's results folder (`ExperimentStore.resultsFolder`: the SQLite
    /// file's own folder), or `results/report-runs-1-3-5/` for explicit runs.
    /// A sweep name from the store that is not a safe folder name (written by an older ReidKD
    /// or by hand) is refused rather than followed outside the results folder.
    public static func defaultOutDir(source: ReportSource, folder base: String) throws -> String {
        let storePath = source.storePath
        let name = source.sweep?.name ?? "report-runs-" + source.records.map { String($0.run.id) }.prefix(12).joined(separator: "-")
        if let rule = SafeName.problem(name) {
            throw ReportError("the sweep name '\(name)' in \(storePath) is not a safe folder name (\(rule)); pass --out DIR")
        }
        return base.isEmpty ? name : (base as NSString).appendingPathComponent(name)
    }

    /// Every file of the report: the chosen formats, the SVG charts (referenced by report.md) and
    /// the rank-list PNGs.
    public static func files(_ m: ReportModel, formats: [ReportFormat], generatedAt: String) throws -> [(path: String, bytes: Data)] {
        var out: [(path: String, bytes: Data)] = []
        func add(_ p: String, _ s: String) { out.append((p, Data(s.utf8))) }
        for f in formats {
            switch f {
            case .md: add("report.md", MarkdownReport.document(m, generatedAt: generatedAt))
            case .html: add("report.html", HTMLReport.document(m, generatedAt: generatedAt))
            case .csv: add("report.csv", CSVReport.document(m.table))
            case .json: out.append(("report.json", try JSONReport.document(m, generatedAt: generatedAt)))
            }
        }
        if formats.contains(.md) {
            for c in m.tradeoffs + [m.cmc].compactMap({ $0 }) { add("charts/\(c.id).svg", c.chart.standaloneFile()) }
            for (r, charts) in m.training {
                for (name, c) in zip(["losses", "lr", "eval-map"], charts) { add("charts/train-\(r.run.id)-\(name).svg", c.standaloneFile()) }
            }
        }
        for r in m.rankLists { out.append(("ranklists/" + r.fileName, Data(r.png))) }
        return out
    }

    static func timestamp(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm'Z'"
        return f.string(from: d)
    }
}
