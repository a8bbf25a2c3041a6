// The report's headline: what the sweep shows, in a few sentences at the top of report.md,
// report.html, report.json and the terminal output. It claims only differences whose 95% interval
// excludes 0: a distilled student above (or below) its baseline beyond seed noise, and a best
// student ahead of every other one beyond noise. When nothing clears the noise it says so plainly.
import Foundation
import Store

public enum Headline {
    public static func sentences(_ t: ComparisonTable) -> [String] {
        var out: [String] = []
        let students = t.rows.indices.filter { t.rows[$0].role != RunRole.teacher.rawValue }
        let kd = students.filter { !t.rows[$0].isBaseline && t.rows[$0].deltaMAP != nil }
        if kd.isEmpty {
            out.append(students.isEmpty ? "No student run is selected: nothing is compared."
                       : "No distilled student has a baseline among the selected runs, so no gain from distillation is measured.")
        } else {
            let d = { (i: Int) in t.rows[i].deltaMAP! }
            let up = kd.filter { d($0).withinNoise == false && d($0).mean > 0 }
            let down = kd.filter { d($0).withinNoise == false && d($0).mean < 0 }
            let noise = kd.filter { d($0).withinNoise == true }, unknown = kd.filter { d($0).withinNoise == nil }
            if !up.isEmpty {
                out.append("Distillation beat the baseline beyond seed noise (95% interval of Δ mAP above 0) for " + list(up.map { delta(t.rows[$0]) }) + ".")
            }
            if !down.isEmpty {
                out.append("Distillation fell below the baseline beyond seed noise (95% interval of Δ mAP below 0) for " + list(down.map { delta(t.rows[$0]) }) + ".")
            }
            if up.isEmpty && down.isEmpty {
                out.append("Nothing clears the seed noise: no distilled student's Δ mAP over its baseline has a 95% interval that excludes 0.")
            }
            if !noise.isEmpty {
                out.append("Within noise of the baseline (the interval contains 0): " + list(noise.map { delta(t.rows[$0]) }) + ".")
            }
            if !unknown.isEmpty {
                out.append("Too few seeds for an interval (one seed on a side), so not judged: " + list(unknown.map { delta(t.rows[$0]) }) + ".")
            }
        }
        if let b = t.bestStudentIndex, students.count > 1, let m = t.rows[b].mAP {
            let name = t.rows[b].name, mean = CellFormat.number(m.mean, digits: 2)
            if t.bestStudentTies.isEmpty {
                out.append("Best student: \(name) (mAP \(mean)), ahead of every other student beyond seed noise.")
            } else {
                let ties = t.bestStudentTies.map { "\(t.rows[$0].name) (\(CellFormat.number(t.rows[$0].mAP!.mean, digits: 2)))" }
                let oneSeed = ([b] + t.bestStudentTies).contains { (t.rows[$0].mAP?.n ?? 0) < 2 }
                out.append("No single best student: \(name) has the highest mean mAP (\(mean)) but is tied within noise with " + list(ties)
                           + (oneSeed ? " (a row with one seed has no interval, so nothing can tell them apart)" : "") + ".")
            }
        }
        return out
    }

    /// `r18-kl +10.00 mAP over r18-baseline, 95% interval [+2.10, +17.90] (paired, 3 seeds)`.
    static func delta(_ r: TableRow) -> String {
        let d = r.deltaMAP!
        var s = "\(r.name) (\(CellFormat.value(d.mean, .delta)) mAP over \(r.baselineName ?? "its baseline")"
        if let ci = d.ci { s += ", 95% interval [\(CellFormat.value(ci.low, .delta)), \(CellFormat.value(ci.high, .delta))]" }
        switch d.method {
        case .welch: s += ", Welch, \(d.n) vs \(d.nReference ?? 0) seeds)"
        default: s += ", paired, \(d.n) seed\(d.n == 1 ? "" : "s"))"
        }
        return s
    }

    static func list(_ items: [String]) -> String {
        items.count <= 2 ? items.joined(separator: " and ") : items.dropLast().joined(separator: "; ") + "; and " + items.last!
    }
}
