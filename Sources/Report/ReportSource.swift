// What the report reads from the store — and nothing else: the selected runs with their plain
// params, summary, training curves and artifacts (model size, eval.json, ranklist.json). The
// report never trains or evaluates; whatever a run lacks is reported as unavailable, with why.
import Foundation
import Store

/// Which runs to report: a sweep (nil = the only, or latest, sweep of the store) or explicit ids.
public enum ReportSelection: Sendable, Equatable {
    case sweep(String?)
    case runs([Int64])

    /// `1,3,5-8` → [1, 3, 5, 6, 7, 8] (order kept, duplicates dropped).
    public static func parseRunIDs(_ text: String) throws -> [Int64] {
        var out: [Int64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let p = part.trimmingCharacters(in: .whitespaces)
            let ends = p.split(separator: "-", omittingEmptySubsequences: false).map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            switch ends.count {
            case 1: guard let a = ends[0] else { throw ReportError.badRunList(text) }; out.append(a)
            case 2:
                guard let a = ends[0], let b = ends[1], a <= b, b - a < 100_000 else { throw ReportError.badRunList(text) }
                out += Array(a...b)
            default: throw ReportError.badRunList(text)
            }
        }
        var seen = Set<Int64>()
        return out.filter { seen.insert($0).inserted }
    }
}

/// One finished run as the report sees it.
public struct RunRecord: Sendable {
    public let run: Run
    /// Flattened config in plain text (see ParamText.plain).
    public let params: [String: String]
    public let summary: [String: Double]
    /// Size of the run's `model` artifact in bytes (nil: none recorded).
    public let modelBytes: Int64?
    /// Resolved paths of the `eval` / `ranklist` artifacts (nil: none recorded or file missing).
    public let evalFile: String?
    public let rankListFile: String?
    /// Why an artifact the report wants is missing (for the "unavailable" notes).
    public let artifactNotes: [String]
    /// Training curves by metric key: every `loss_*` term, `lr` and `eval_mAP`.
    public let curves: [String: [MetricPoint]]

    public func value(_ key: String) -> Double? { summary[key].flatMap { $0.isFinite ? $0 : nil } }
    public var backbone: String { ParamText.backboneLabel(params) }
    public var kdMethod: String { ParamText.kdMethod(params) }
}

/// The selected runs, read once.
public struct ReportSource: Sendable {
    public let storePath: String
    /// The sweep reported (nil for --runs).
    public let sweep: Sweep?
    /// "sweep 'quick' (the only sweep in …)" or "runs 1, 3, 5".
    public let description: String
    /// Finished runs, by id.
    public let records: [RunRecord]
    /// Selected runs that are not finished (listed, not tabulated).
    public let unfinished: [Run]
    /// Runs the sweep's early stopping ended (`pruned`), with what they saved.
    public var pruned: [PrunedRun] = []
    /// The working directory the sweep was launched in (where its relative artifact paths start;
    /// the only place to look for them besides this one when the store is PostgreSQL).
    public var launchDirectory: String?

    public static func load(store: ExperimentStore, selection: ReportSelection) throws -> ReportSource {
        var runs: [Run], sweep: Sweep?, description: String
        switch selection {
        case .sweep(let name?):
            let s = try store.requireSweep(named: name)
            sweep = s; description = "sweep '\(s.name)'"
            runs = try store.runs(RunFilter(sweep: s.id))
        case .sweep(nil):
            let all = try store.sweeps()
            guard let s = all.last else { throw ReportError.emptyStore(store.path) }
            sweep = s
            description = all.count == 1 ? "sweep '\(s.name)' (the only sweep in \(store.path))"
                : "sweep '\(s.name)' (the latest of \(all.count) sweeps in \(store.path); pass --sweep NAME for another: "
                    + all.map(\.name).joined(separator: ", ") + ")"
            runs = try store.runs(RunFilter(sweep: s.id))
        case .runs(let ids):
            guard !ids.isEmpty else { throw ReportError.badRunList("") }
            runs = try ids.map { try store.run($0) }   // throws unknownRun naming the store
            sweep = nil; description = "runs " + ids.map(String.init).joined(separator: ", ")
        }
        let finished = runs.filter { $0.status == .finished }.sorted { $0.id < $1.id }
        if finished.isEmpty {
            let counts = Dictionary(grouping: runs, by: \.status).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
            throw ReportError.noFinishedRuns(sweep.map { "sweep '\($0.name)'" } ?? description, path: store.path,
                                             counts: counts.isEmpty ? "no runs at all" : counts.joined(separator: ", "))
        }
        let launchDirectory = try sweep.flatMap { try store.launch(sweep: $0.id)?.workdir }
        let records = try finished.map { try loadRecord($0, store: store, launchDirectory: launchDirectory) }
        var source = ReportSource(storePath: store.path, sweep: sweep, description: description, records: records,
                                  unfinished: runs.filter { $0.status != .finished && $0.status != .pruned })
        source.launchDirectory = launchDirectory
        source.pruned = try runs.filter { $0.status == .pruned }.map { try PrunedRun.load($0, store: store) }
        return source
    }

    static func loadRecord(_ run: Run, store: ExperimentStore, launchDirectory: String? = nil) throws -> RunRecord {
        let params = try store.params(run: run.id).mapValues(ParamText.plain)
        let arts = try store.artifacts(run: run.id)
        var notes: [String] = []
        func file(_ kind: String, _ what: String) -> String? {
            guard let a = arts.last(where: { $0.kind == kind }) else {
                notes.append("run \(run.id) (\(run.name)) has no \(what) artifact (kind \"\(kind)\"): it was recorded by an older ReidKD")
                return nil
            }
            guard let p = ArtifactPath.resolve(a.path, storePath: store.path, launchDirectory: launchDirectory) else {
                notes.append("run \(run.id) (\(run.name)): \(what) file \(a.path) is missing (looked in the working directory, next to the store and in the sweep's launch directory)")
                return nil
            }
            return p
        }
        let evalFile = file("eval", "eval.json"), rankFile = file("ranklist", "ranklist.json")
        var curves: [String: [MetricPoint]] = [:]
        for key in try store.metricKeys(run: run.id) where key.hasPrefix("loss_") || key == "lr" || key == "eval_mAP" {
            curves[key] = try store.metricSeries(run: run.id, key: key)
        }
        return RunRecord(run: run, params: params, summary: try store.summary(run: run.id),
                         modelBytes: arts.last(where: { $0.kind == "model" })?.bytes,
                         evalFile: evalFile, rankListFile: rankFile, artifactNotes: notes, curves: curves)
    }
}

/// Artifact paths are stored as the sweep wrote them (usually relative to the directory it ran
/// in, e.g. `results/quick/teacher/eval.json`); the report looks for them as given, then next to
/// an SQLite store file and its parent (so a store moved together with its results still works),
/// then in the directory the sweep was launched in (a PostgreSQL store has no folder).
public enum ArtifactPath {
    public static func resolve(_ path: String, storePath: String, launchDirectory: String? = nil) -> String? {
        let fm = FileManager.default
        if path.hasPrefix("/") { return fm.fileExists(atPath: path) ? path : nil }
        var bases = [fm.currentDirectoryPath]
        if !StoreLocation(storePath).isPostgres {
            let storeDir = (storePath as NSString).deletingLastPathComponent
            bases += [storeDir, (storeDir as NSString).deletingLastPathComponent]
        }
        bases += launchDirectory.map { [$0] } ?? []
        for b in bases {
            let p = b.isEmpty ? path : (b as NSString).appendingPathComponent(path)
            if fm.fileExists(atPath: p) { return p }
        }
        return nil
    }
}
