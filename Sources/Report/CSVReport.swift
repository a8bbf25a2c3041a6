// report.csv: the student-vs-teacher table, one line per configuration, numbers unformatted for
// spreadsheets and pandas: per column its mean, std, n and 95% interval; for the differences from
// the baseline also how the interval was computed and whether it contains 0. RFC 4180 quoting.
import Foundation

public enum CSVReport {
    public static func document(_ t: ComparisonTable) -> String {
        var head = ["run", "role", "is_baseline", "backbone", "kd_method", "kd_weights", "teacher_outputs", "seeds", "run_ids"]
        for c in Column.allCases {
            head += ["mean", "std", "n", "ci_low", "ci_high"].map { "\(c.rawValue)_\($0)" }
            if c.isDifference { head += ["\(c.rawValue)_interval", "\(c.rawValue)_within_noise"] }
        }
        head += ["baseline", "best_columns", "tied_best_columns"]
        var lines = [head.map(quote).joined(separator: ",")]
        for r in t.rows {
            var cells = [r.name, r.role, r.isBaseline ? "1" : "0", r.backbone, r.kdMethod, r.kdWeights, r.teacherOutputs,
                         r.seeds.map(String.init).joined(separator: ";"), r.runIDs.map(String.init).joined(separator: ";")]
            for c in Column.allCases {
                let s = c.stat(r)
                cells += [s.map { num($0.mean) } ?? "", s?.std.map(num) ?? "", s.map { String($0.n) } ?? "",
                          s?.ci.map { num($0.low) } ?? "", s?.ci.map { num($0.high) } ?? ""]
                if c.isDifference {
                    // paired | welch; within noise 1 / 0, empty without an interval.
                    cells += [s?.method.rawValue ?? "", s?.withinNoise.map { $0 ? "1" : "0" } ?? ""]
                }
            }
            cells += [r.baselineName ?? "", r.best.joined(separator: ";"), r.tiedBest.joined(separator: ";")]
            lines.append(cells.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Shortest text that reads back to the same double.
    static func num(_ v: Double) -> String { v.isFinite ? "\(v)" : "" }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
