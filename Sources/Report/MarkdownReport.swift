// report.md and the terminal table. Best values per column (among the non-teacher rows) are bold
// with a ★ (≈★ where tied within noise); baseline rows carry "(baseline)" in the role column.
// A second table gives every column's 95% interval.
import Foundation

public enum MarkdownReport {
    /// The student-vs-teacher table alone (what `reidkd report` prints).
    public static func table(_ t: ComparisonTable) -> String {
        var head = ["run", "role", "backbone", "KD", "weights"] + Column.allCases.map(\.title)
        var lines = [row(head)]
        head = head.map { _ in "---" }
        lines.append(row(head.enumerated().map { $0.offset < 5 ? ":--" : "--:" }))
        for r in t.rows {
            var cells = [CellFormat.rowName(r), CellFormat.role(r), r.backbone, r.kdMethod, r.kdWeights]
            for c in Column.allCases {
                let text = CellFormat.cell(r, c)
                cells.append(CellFormat.mark(r, c).map { "**\(text)** \($0)" } ?? text)
            }
            lines.append(row(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The 95% interval of every column that varies with the seed, one line per row.
    public static func intervals(_ t: ComparisonTable) -> String {
        let cols = Column.allCases.filter { !$0.isDeterministic }
        var lines = [row(["run"] + cols.map(\.title)), row([":--"] + cols.map { _ in "--:" })]
        for r in t.rows { lines.append(row([CellFormat.rowName(r)] + cols.map { CellFormat.interval(r, $0) })) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func row(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }

    public static func legend(_ t: ComparisonTable) -> String {
        var s = "Values are mean ± sample std over seeds (std shown with 2+ seeds); R1, R5, mAP, mINP in %. "
        s += "★ = best among the non-teacher rows, ahead of every other row beyond seed noise; "
        s += "≈★ = tied for best within noise (the 95% interval of its difference from the best contains 0, or there are too few seeds to tell): no winner is claimed; "
        s += "a column without marks: every row is within noise of the best. "
        s += "mAP kept % = student mAP ÷ teacher mAP; Δ mAP = student − its baseline (same architecture, KD none), paired by seed; "
        s += "† = the seeds do not pair up, Welch's unpaired interval; (within noise) = its 95% interval contains 0. "
        s += "Gap closed = Δ mAP ÷ (teacher − baseline mean); "
        s += "speed-up = teacher latency ÷ student latency at batch 1. Size = model.safetensors in MB (10⁶ bytes). "
        s += "Latency and throughput were measured by each run on a shared machine and carry its noise.\n"
        for n in t.notes { s += "\n- " + n }
        return s + (t.notes.isEmpty ? "" : "\n")
    }

    public static let intervalLegend = "95% confidence intervals of the mean over seeds (Student t, n − 1 degrees of freedom); "
        + "Δ mAP and gap closed: paired over same-seed differences from the baseline, or Welch's unpaired interval (†) where the seeds do not pair up. "
        + "One seed gives no interval. Params, GFLOPs and size do not vary with the seed and are left out.\n"

    public static func headline(_ t: ComparisonTable) -> String {
        Headline.sentences(t).joined(separator: " ")
    }

    public static func factors(_ fs: [Factor]) -> String {
        guard !fs.isEmpty else { return "No grid factor: the selected student runs differ only by seed (or there are fewer than two).\n" }
        var lines = [row(["factor", "level", "runs", "R1", "R5", "mAP", "mINP"]), row([":--", ":--", "--:", "--:", "--:", "--:", "--:"])]
        for f in fs {
            for (i, l) in f.levels.enumerated() {
                lines.append(row([i == 0 ? f.name : "", l.level, "\(l.runIDs.count)",
                                  CellFormat.meanStd(l.r1, digits: 2), CellFormat.meanStd(l.r5, digits: 2),
                                  CellFormat.meanStd(l.mAP, digits: 2), CellFormat.meanStd(l.mINP, digits: 2)]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func document(_ m: ReportModel, generatedAt: String) -> String {
        var s = "# \(m.title)\n\n"
        s += "Source: \(m.source.description), store `\(m.source.storePath)`; generated \(generatedAt) from the store only (no training).\n\n"
        s += "**Summary.** " + headline(m.table) + "\n\n"
        s += "## Students vs teacher\n\n" + table(m.table) + "\n" + legend(m.table) + "\n"
        s += "### 95% intervals\n\n" + intervals(m.table) + "\n" + intervalLegend + "\n"
        if !m.otherTestSets.isEmpty {
            s += "## Other test sets\n\nThe table above compares the first of DATASETS.TESTS; each other one, mean ± std over seeds:\n\n"
            s += OtherTestSets.markdown(m.otherTestSets)
        }
        s += "## Factors\n\nMean ± std over the student runs at each level of every param that varies across them"
        s += " (the `none` level of KD method = the baselines).\n\n" + factors(m.factors) + "\n"
        s += "## Accuracy vs cost\n\n"
        for (c, front) in zip(m.tradeoffs, [m.paretoGFLOPs, m.paretoLatency]) {
            s += "![\(c.title)](charts/\(c.id).svg)\n\nPareto front (\(c.title)): " + front.map { m.table.rows[$0].name }.joined(separator: " → ") + "\n\n"
        }
        s += "## CMC\n\n" + (m.cmc.map { "![CMC](charts/\($0.id).svg)\n\n" } ?? "Not available (see below).\n\n")
        s += "## Rank lists\n\n"
        if m.rankLists.isEmpty { s += "Not available (see below).\n\n" } else {
            s += "Each row: the query (blue frame), the teacher's top-\(m.rankLists[0].k) (run \(m.teacherRun!.run.id)), "
            s += "then the best student's (\(bestStudentText(m))); green = same identity, red = different.\n\n"
            for r in m.rankLists {
                s += "query \(r.queryIndex) (pid \(r.queryPID)): teacher \(r.teacherHits)/\(r.k), student \(r.studentHits)/\(r.k) correct\n\n"
                s += "![query \(r.queryIndex)](ranklists/\(r.fileName))\n\n"
            }
        }
        s += "## Training curves\n\n"
        for (r, _) in m.training {
            s += "### \(r.run.name) (run \(r.run.id), \(r.run.role.rawValue), seed \(r.run.seed))\n\n"
            s += ["losses", "lr", "eval-map"].map { "![\($0)](charts/train-\(r.run.id)-\($0).svg)" }.joined(separator: " ") + "\n\n"
        }
        if !m.source.pruned.isEmpty { s += "## Pruned runs\n\n" + PrunedRuns.markdown(m.source.pruned) + "\n" }
        s += "## Provenance\n\n"
        for w in Provenance.warnings(m.provenance) { s += "**Warning:** \(w).\n\n" }
        s += Provenance.markdown(m.provenance) + "\n"
        s += notes(m)
        return s
    }

    /// `r18-klmse-s2, run 7` plus, when the best row is tied within noise, with which rows.
    static func bestStudentText(_ m: ReportModel) -> String {
        let t = m.table
        var s = "\(m.bestStudentRun!.run.name), run \(m.bestStudentRun!.run.id): the highest-mAP seed of the row with the highest mean mAP"
        if !t.bestStudentTies.isEmpty { s += ", tied within noise with " + t.bestStudentTies.map { t.rows[$0].name }.joined(separator: ", ") }
        return s
    }

    static func notes(_ m: ReportModel) -> String {
        var s = ""
        if !m.unavailable.isEmpty { s += "## Unavailable\n\n" + m.unavailable.map { "- \($0)\n" }.joined() + "\n" }
        if !m.source.unfinished.isEmpty {
            s += "## Runs not in the tables (not finished)\n\n"
            for r in m.source.unfinished {
                let err = r.error.map { ": " + ($0.split(separator: "\n").first.map(String.init) ?? "") } ?? ""
                s += "- run \(r.id) \(r.name) — \(r.status.rawValue)\(err)\n"
            }
            s += "\n"
        }
        return s
    }
}
