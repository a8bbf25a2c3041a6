// report.html: one self-contained file — inline CSS, charts as inline SVG, rank-list PNGs as
// base64 data URIs, no scripts and no external URL — so it opens offline and can be mailed. The
// markup is also well-formed XML (every element closed, text escaped, only XML's own entities),
// which the tests check with XMLParser.
import Foundation

public enum HTMLReport {
    static let style = """
        body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1400px}
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:14px}
        table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;white-space:nowrap}
        th{background:#f0f0f0}td.t{text-align:left}td.n{text-align:left;white-space:normal;min-width:200px;max-width:320px}.wrap{overflow-x:auto}tr.teacher td{background:#fff4e6}tr.baseline td{font-style:italic;color:#555}
        td.best{font-weight:bold;background:#e3f4e3}td.tied{font-weight:bold;background:#f1f8e9}.noise{color:#888;font-style:italic}
        p.headline{font-size:14px;max-width:1100px;background:#f6f8fa;border-left:4px solid #1f77b4;padding:6px 10px}.note{font-size:12px;color:#555;max-width:1100px}
        .charts{display:flex;flex-wrap:wrap;gap:12px}.rank img{display:block;margin:4px 0 12px 0;max-width:100%}
        details{margin:6px 0}summary{cursor:pointer;font-size:13px}
        """

    public static func document(_ m: ReportModel, generatedAt: String) -> String {
        var s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>\(e(m.title))</title>"
        s += "<style>\(style)</style></head><body>\n"
        s += "<h1>\(e(m.title))</h1>\n<p class=\"note\">Source: \(e(m.source.description)), store <code>\(e(m.source.storePath))</code>; generated \(e(generatedAt)) from the store only (no training).</p>\n"
        s += "<p class=\"headline\"><b>Summary.</b> \(e(MarkdownReport.headline(m.table)))</p>\n"
        s += "<h2>Students vs teacher</h2>\n" + table(m.table)
        s += "<p class=\"note\">\(e(MarkdownReport.legend(m.table).replacingOccurrences(of: "\n- ", with: " • ")))</p>\n"
        s += "<h3>95% intervals</h3>\n" + intervals(m.table) + "<p class=\"note\">\(e(MarkdownReport.intervalLegend))</p>\n"
        if !m.otherTestSets.isEmpty {
            s += "<h2>Other test sets</h2>\n<p class=\"note\">The table above compares the first of DATASETS.TESTS; each other one, mean ± std over seeds:</p>\n"
            for t in m.otherTestSets {
                s += "<h3>\(e(t.dataset))</h3>\n<table><tr><th>row</th><th>runs</th><th>R1</th><th>mAP</th><th>mINP</th></tr>"
                for r in t.rows {
                    s += "<tr><td>\(e(r.name))</td><td>\(r.runs.count)</td><td>\(CellFormat.meanStd(r.r1, digits: 2))</td>"
                        + "<td>\(CellFormat.meanStd(r.mAP, digits: 2))</td><td>\(CellFormat.meanStd(r.mINP, digits: 2))</td></tr>"
                }
                s += "</table>\n"
            }
        }
        s += "<h2>Factors</h2>\n<p class=\"note\">Mean ± std over the student runs at each level of every param that varies across them (the <code>none</code> level of KD method = the baselines).</p>\n"
        s += factors(m.factors)
        s += "<h2>Accuracy vs cost</h2>\n<div class=\"charts\">" + m.tradeoffs.map { $0.chart.render() }.joined() + "</div>\n"
        for (c, front) in zip(m.tradeoffs, [m.paretoGFLOPs, m.paretoLatency]) {
            s += "<p class=\"note\">Pareto front (\(e(c.title))): \(e(front.map { m.table.rows[$0].name }.joined(separator: " → ")))</p>\n"
        }
        s += "<h2>CMC</h2>\n" + (m.cmc.map { "<div class=\"charts\">\($0.chart.render())</div>\n" } ?? "<p class=\"note\">Not available (see below).</p>\n")
        s += "<h2>Rank lists</h2>\n"
        if m.rankLists.isEmpty { s += "<p class=\"note\">Not available (see below).</p>\n" } else {
            s += "<p class=\"note\">Each row: the query (blue frame), the teacher's top-\(m.rankLists[0].k) (run \(m.teacherRun!.run.id)), then the best student's (\(e(MarkdownReport.bestStudentText(m)))); green = same identity, red = different.</p>\n<div class=\"rank\">"
            for r in m.rankLists {
                s += "<div class=\"note\">query \(r.queryIndex) (pid \(r.queryPID)): teacher \(r.teacherHits)/\(r.k), student \(r.studentHits)/\(r.k) correct</div>"
                s += "<img alt=\"rank list of query \(r.queryIndex)\" src=\"data:image/png;base64,\(Data(r.png).base64EncodedString())\"/>\n"
            }
            s += "</div>\n"
        }
        s += "<h2>Training curves</h2>\n"
        let open: Set<Int64> = Set([m.teacherRun?.run.id, m.bestStudentRun?.run.id].compactMap { $0 })
        for (r, charts) in m.training {
            s += "<details\(open.contains(r.run.id) ? " open=\"open\"" : "")><summary>\(e(r.run.name)) (run \(r.run.id), \(r.run.role.rawValue), seed \(r.run.seed))</summary>"
            s += "<div class=\"charts\">" + charts.map { $0.render() }.joined() + "</div></details>\n"
        }
        if !m.source.pruned.isEmpty {
            let (ep, sec) = PrunedRuns.saved(m.source.pruned)
            s += "<h2>Pruned runs</h2>\n<p class=\"note\">\(m.source.pruned.count) run(s) stopped early by the sweep's prune rule, not in the tables above; "
            s += String(format: "they saved %d epochs, about %.0f s of training.</p>\n", ep, sec)
            s += "<table><tr><th>run</th><th>seed</th><th>pruned at epoch</th><th>mAP there</th><th>epochs saved</th><th>why</th></tr>"
            for r in m.source.pruned {
                s += "<tr><td>\(e(r.name)) (run \(r.id))</td><td>\(r.seed)</td><td>\(r.prunedAtEpoch.map(String.init) ?? "—")</td>"
                s += "<td>\(r.mAP.map { CellFormat.number($0, digits: 2) } ?? "—")</td><td>\(r.epochsSaved.map(String.init) ?? "—")</td><td>\(e(r.reason ?? ""))</td></tr>"
            }
            s += "</table>\n"
        }
        s += "<h2>Provenance</h2>\n"
        for w in Provenance.warnings(m.provenance) { s += "<p class=\"headline\"><b>Warning:</b> \(e(w)).</p>\n" }
        s += "<table><tr><th></th><th>value</th><th>runs</th></tr>"
        for l in m.provenance {
            for (i, v) in l.values.enumerated() {
                s += "<tr><td>\(i == 0 ? e(l.field) : "")</td><td>\(e(v.value))</td><td>\(l.mixed ? e(Provenance.runList(v.runs)) : "all")</td></tr>"
            }
        }
        s += "</table>\n"
        if !m.unavailable.isEmpty {
            s += "<h2>Unavailable</h2>\n<ul class=\"note\">" + m.unavailable.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n"
        }
        if !m.source.unfinished.isEmpty {
            s += "<h2>Runs not in the tables (not finished)</h2>\n<ul class=\"note\">"
            for r in m.source.unfinished {
                let err = r.error.map { ": " + ($0.split(separator: "\n").first.map(String.init) ?? "") } ?? ""
                s += "<li>run \(r.id) \(e(r.name)) — \(r.status.rawValue)\(e(err))</li>"
            }
            s += "</ul>\n"
        }
        return s + "</body></html>\n"
    }

    static func table(_ t: ComparisonTable) -> String {
        var s = "<div class=\"wrap\"><table><thead><tr><th>run</th><th>role</th><th>backbone</th><th>KD</th><th>weights</th>"
        s += Column.allCases.map { "<th>\(e($0.title))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in t.rows {
            let cls = r.role == "teacher" ? " class=\"teacher\"" : r.isBaseline ? " class=\"baseline\"" : ""
            s += "<tr\(cls)><td class=\"n\">\(e(CellFormat.rowName(r)))</td><td class=\"t\">\(e(CellFormat.role(r)))</td>"
            s += "<td class=\"t\">\(e(r.backbone))</td><td class=\"t\">\(e(r.kdMethod))</td><td class=\"t\">\(e(r.kdWeights))</td>"
            for c in Column.allCases {
                let mark = CellFormat.mark(r, c)
                let cls = mark == nil ? "" : r.best.contains(c.rawValue) ? " class=\"best\"" : " class=\"tied\""
                s += "<td\(cls)>\(noiseSpan(e(CellFormat.cell(r, c))))\(mark.map { " " + $0 } ?? "")</td>"
            }
            s += "</tr>\n"
        }
        return s + "</tbody></table></div>\n"
    }

    static func intervals(_ t: ComparisonTable) -> String {
        let cols = Column.allCases.filter { !$0.isDeterministic }
        var s = "<div class=\"wrap\"><table><thead><tr><th>run</th>" + cols.map { "<th>\(e($0.title))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in t.rows {
            s += "<tr><td class=\"n\">\(e(CellFormat.rowName(r)))</td>"
            s += cols.map { "<td>\(noiseSpan(e(CellFormat.interval(r, $0))))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table></div>\n"
    }

    /// The words "within noise" in a grey italic span (they stay in the text for readers and parsers).
    static func noiseSpan(_ escaped: String) -> String {
        escaped.replacingOccurrences(of: CellFormat.withinNoise, with: "<span class=\"noise\">\(CellFormat.withinNoise)</span>")
    }

    static func factors(_ fs: [Factor]) -> String {
        guard !fs.isEmpty else { return "<p class=\"note\">No grid factor: the selected student runs differ only by seed (or there are fewer than two).</p>\n" }
        var s = "<table><thead><tr><th>factor</th><th>level</th><th>runs</th><th>R1</th><th>R5</th><th>mAP</th><th>mINP</th></tr></thead><tbody>\n"
        for f in fs {
            for (i, l) in f.levels.enumerated() {
                s += "<tr><td class=\"t\">\(i == 0 ? e(f.name) : "")</td><td class=\"t\">\(e(l.level))</td><td>\(l.runIDs.count)</td>"
                s += [l.r1, l.r5, l.mAP, l.mINP].map { "<td>\(e(CellFormat.meanStd($0, digits: 2)))</td>" }.joined() + "</tr>\n"
            }
        }
        return s + "</tbody></table>\n"
    }

    static func e(_ s: String) -> String { XML.escape(s) }
}
