// Terminal views behind `reidkd runs list | show | compare`. They live here, not in the CLI, so
// the CLI stays a thin argument parser and the views are unit-tested.
import Foundation

public enum RunsView {
    /// Summary keys shown as columns of `runs list` when present, in this order.
    public static let preferredSummaryKeys = ["mAP", "mINP", "R1", "R5", "R10"]

    /// `reidkd runs list`: one line per run with its sweep, role, status, seed, timing, the
    /// chosen summary metrics (default: the preferred keys any listed run has) and the error.
    public static func list(store: ExperimentStore, filter: RunFilter, summaryKeys: [String]? = nil) throws -> String {
        let runs = try store.runs(filter)
        if runs.isEmpty { return "no runs match in \(store.path)\n" }
        let sweeps = Dictionary(uniqueKeysWithValues: try store.sweeps().map { ($0.id, $0.name) })
        let summaries = try Dictionary(uniqueKeysWithValues: runs.map { ($0.id, try store.summary(run: $0.id)) })
        let present = Set(summaries.values.flatMap(\.keys))
        let keys = summaryKeys ?? preferredSummaryKeys.filter(present.contains)
        var t = TextTable(["id", "sweep", "name", "role", "status", "seed", "started", "time"] + keys + ["error"])
        for r in runs {
            let s = summaries[r.id] ?? [:]
            let sweepName: String = r.sweepID.flatMap { sweeps[$0] } ?? "—"
            let started: String = r.startedAt.map(shortDate) ?? "—"
            let time: String = duration(r).map(formatDuration) ?? "—"
            var row: [String] = ["\(r.id)", sweepName, r.name, r.role.rawValue, r.status.rawValue, "\(r.seed)", started, time]
            for k in keys { row.append(s[k].map(formatValue) ?? "—") }
            row.append(r.error.map { firstLine($0, max: 40) } ?? "")
            t.add(row)
        }
        let counts = Dictionary(grouping: runs, by: \.status).mapValues(\.count)
        let tally = RunStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
        return t.render() + "\(runs.count) runs: \(tally)\n"
    }

    /// `reidkd runs show ID`: the run's record, params, summary, latest metrics and artifacts.
    public static func show(store: ExperimentStore, run id: Int64) throws -> String {
        let r = try store.run(id)
        let sweep = try r.sweepID.flatMap { sid in try store.sweeps().first { $0.id == sid }?.name }
        var out = "run \(r.id)  \(r.name)  (\(r.role.rawValue), \(r.status.rawValue))\n"
        var info = TextTable(["field", "value"])
        info.rightAligned = []
        let fields: [(String, String?)] = [
            ("sweep", sweep), ("seed", "\(r.seed)"), ("config hash", r.configHash), ("code version", r.codeVersion),
            ("dataset", r.datasetFingerprint), ("host", r.host.map { h in r.pid.map { "\(h) (pid \($0))" } ?? h }),
            ("threads", r.threads.map(String.init)), ("job", r.job), ("BLAS", r.blas), ("CPU", r.cpu),
            ("created", r.createdAt.map(shortDate)),
            ("started", r.startedAt.map(shortDate)), ("finished", r.finishedAt.map(shortDate)),
            ("duration", duration(r).map(formatDuration)), ("attempts", "\(r.attempts)"),
        ]
        for (k, v) in fields { if let v { info.add([k, v]) } }
        out += info.render(indent: "  ")
        if let e = r.error { out += "\nerror:\n" + e.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") + "\n" }
        let summary = try store.summary(run: id)
        if !summary.isEmpty {
            var t = TextTable(["summary", "value"])
            for (k, v) in summary.sorted(by: { $0.key < $1.key }) { t.add([k, formatValue(v)]) }
            out += "\n" + t.render(indent: "  ")
        }
        let latest = try store.latestMetrics(run: id)
        if !latest.isEmpty {
            var t = TextTable(["metric", "last value", "step", "epoch", "points"])
            for (k, p) in latest.sorted(by: { $0.key < $1.key }) {
                t.add([k, formatValue(p.value), "\(p.step)", "\(p.epoch)", "\(try store.metricSeries(run: id, key: k).count)"])
            }
            out += "\n" + t.render(indent: "  ")
        }
        let params = try store.params(run: id)
        if !params.isEmpty {
            var t = TextTable(["param", "value"])
            t.rightAligned = []
            for (k, v) in params.sorted(by: { $0.key < $1.key }) { t.add([k, v]) }
            out += "\n" + t.render(indent: "  ")
        }
        let arts = try store.artifacts(run: id)
        if !arts.isEmpty {
            var t = TextTable(["artifact", "kind", "bytes", "sha256"])
            for a in arts { t.add([a.path, a.kind, "\(a.bytes)", String(a.sha256.prefix(16)) + "…"]) }
            out += "\n" + t.render(indent: "  ")
        }
        return out
    }

    /// `reidkd runs compare A B`: differing params, then every summary metric with b − a.
    public static func compare(_ c: RunComparison) -> String {
        var out = "A = run \(c.a.id) \(c.a.name) (\(c.a.role.rawValue), \(c.a.status.rawValue))\n"
        out += "B = run \(c.b.id) \(c.b.name) (\(c.b.role.rawValue), \(c.b.status.rawValue))\n\n"
        if !c.provenanceDiffs.isEmpty {
            var t = TextTable(["provenance", "A", "B"])
            t.rightAligned = []
            for d in c.provenanceDiffs { t.add([d.key, d.a ?? "—", d.b ?? "—"]) }
            out += "provenance differs (metrics may move for this reason alone)\n" + t.render(indent: "  ") + "\n"
        }
        if c.paramDiffs.isEmpty {
            out += "config: identical (\(c.sameParams) params)\n"
        } else {
            var t = TextTable(["param", "A", "B"])
            t.rightAligned = []
            for d in c.paramDiffs { t.add([d.key, d.a ?? "—", d.b ?? "—"]) }
            out += "config: \(c.paramDiffs.count) params differ, \(c.sameParams) equal\n" + t.render(indent: "  ")
        }
        if c.summary.isEmpty {
            out += "\nsummary: neither run has one yet\n"
        } else {
            out += "\n" + diffTable("summary", c.summary)
        }
        if !c.latestMetrics.isEmpty { out += "\n" + diffTable("last logged metric", c.latestMetrics) }
        return out
    }

    static func diffTable(_ title: String, _ rows: [RunComparison.SummaryDiff]) -> String {
        var t = TextTable([title, "A", "B", "B − A"])
        t.rightAligned = [1, 2, 3]
        for d in rows {
            t.add([d.key, d.a.map(formatValue) ?? "—", d.b.map(formatValue) ?? "—",
                   d.delta.map { ($0 > 0 ? "+" : "") + formatValue($0) } ?? "—"])
        }
        return t.render(indent: "  ")
    }

    // MARK: Formatting

    /// Compact numbers: integers as integers, otherwise 4 significant digits (large values grouped).
    public static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 { return String(format: "%.3e", v) }
        return String(format: a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", v)
    }

    static func duration(_ r: Run) -> TimeInterval? {
        guard let s = r.startedAt else { return nil }
        if let f = r.finishedAt { return f.timeIntervalSince(s) }
        return r.status == .running ? Date().timeIntervalSince(s) : nil
    }

    static func formatDuration(_ t: TimeInterval) -> String {
        let s = Int(t.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
    }

    static func shortDate(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: d) + "Z"
    }

    static func firstLine(_ s: String, max: Int) -> String {
        let line = s.split(separator: "\n").first.map(String.init) ?? ""
        return line.count > max ? String(line.prefix(max - 1)) + "…" : line
    }
}
