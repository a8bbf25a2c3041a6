// The report's charts, all drawn with SVGChart: accuracy vs cost with the Pareto front, training
// curves per run, CMC curves of the teacher and the best student.
import Foundation
import Support
import Store

public struct NamedChart: Sendable {
    /// File stem under `charts/` (e.g. `map-vs-gflops`).
    public var id: String
    public var title: String
    public var chart: SVGChart
}

public enum ReportCharts {
    /// mAP (mean over seeds) against a cost column; the Pareto front (cheaper and better) dashed.
    /// Returns the chart and the indices of the front rows.
    public static func tradeoff(_ table: ComparisonTable, cost: Column, id: String, xLabel: String) -> (NamedChart, [Int]) {
        let rows = table.rows
        let pts = rows.map { (x: cost.value($0) ?? .nan, y: $0.mAP?.mean ?? .nan) }
        let front = Pareto.front(pts)
        func series(_ name: String, _ color: String, _ keep: (TableRow) -> Bool) -> ChartSeries? {
            let idx = rows.indices.filter { keep(rows[$0]) }
            guard !idx.isEmpty else { return nil }
            return ChartSeries(name: name, points: idx.map { pts[$0] }, style: .markers, color: color, labels: idx.map { shortLabel(rows[$0]) })
        }
        var s: [ChartSeries] = []
        if front.count > 1 {
            s.append(ChartSeries(name: "Pareto front", points: front.map { pts[$0] }, style: .dashedLine, color: "#999999"))
        }
        s += [series("teacher", "#d62728") { $0.role == RunRole.teacher.rawValue },
              series("baseline (no KD)", "#7f7f7f") { $0.isBaseline },
              series("KD student", "#1f77b4") { $0.role == RunRole.student.rawValue && !$0.isBaseline }].compactMap { $0 }
        let title = "mAP vs \(cost == .gflops ? "GFLOPs" : "latency (batch 1)")"
        return (NamedChart(id: id, title: title, chart: SVGChart(title: title, xLabel: xLabel, yLabel: "mAP (%)", series: s)), front)
    }

    /// `teacher`, `resnet18 ×0.25 kl+mse`, `mobilenetv2 ×0.5 none`.
    public static func shortLabel(_ r: TableRow) -> String {
        r.role == RunRole.teacher.rawValue ? "teacher" : "\(r.backbone) \(r.kdMethod)"
    }

    /// Three small charts for one run: every loss term, the learning rate, evaluation mAP (%).
    public static func training(_ r: RunRecord) -> [SVGChart] {
        let w = ReportDefaults.smallChartWidth, h = ReportDefaults.smallChartHeight
        let lossKeys = r.curves.keys.filter { $0.hasPrefix("loss_") }.sorted { a, b in
            (a == "loss_total" ? 1 : 0, a) < (b == "loss_total" ? 1 : 0, b)   // total last
        }
        let losses = lossKeys.enumerated().map { i, k in
            ChartSeries(name: k, points: r.curves[k]!.map { (Double($0.step), $0.value) }, style: .line,
                        color: SVGChart.palette[i % SVGChart.palette.count])
        }
        let lr = ChartSeries(name: "lr", points: (r.curves["lr"] ?? []).map { (Double($0.step), $0.value) }, style: .line, color: "#2ca02c")
        let ev = ChartSeries(name: "eval mAP", points: (r.curves["eval_mAP"] ?? []).map { (Double($0.step), 100 * $0.value) },
                             style: .lineAndMarkers, color: "#d62728")
        return [SVGChart(title: "losses", xLabel: "iteration", yLabel: "loss", series: losses, width: w, height: h + 28),
                SVGChart(title: "learning rate", xLabel: "iteration", yLabel: "lr", series: [lr], width: w, height: h + 28),
                SVGChart(title: "evaluation mAP", xLabel: "iteration", yLabel: "mAP (%)", series: [ev], width: w, height: h + 28)]
    }

    /// CMC curves (rank 1…N, %) from the runs' `eval.json`; nil when none is available.
    public static func cmc(_ curves: [(name: String, cmc: [Double])]) -> NamedChart? {
        let s = curves.enumerated().map { i, c in
            ChartSeries(name: c.name, points: c.cmc.enumerated().map { (Double($0.offset + 1), 100 * $0.element) },
                        style: .line, color: i == 0 ? "#d62728" : SVGChart.palette[(i - 1) % SVGChart.palette.count])
        }
        guard !s.isEmpty else { return nil }
        return NamedChart(id: "cmc", title: "CMC",
                          chart: SVGChart(title: "CMC (evaluation split)", xLabel: "rank", yLabel: "matching rate (%)", series: s))
    }
}

/// The part of `eval.json` (Eval.EvalResult) the report reads: the CMC curve, as fractions.
struct StoredEval: Decodable { let cmc: [Double] }

extension StoredEval {
    static func load(_ path: String) throws -> StoredEval {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError("cannot read the CMC curve from \(path) (missing or unreadable)")
        }
        do { return try JSONProblem.decode(StoredEval.self, from: data, path: path, fix: "re-run the run's evaluation") }
        catch { throw ReportError("CMC curve \(error)") }
    }
}
