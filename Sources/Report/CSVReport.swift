// report.csv: the student-vs-teacher table, one line per configuration, numbers unformatted
// (mean and std in separate columns) for spreadsheets and pandas. RFC 4180 quoting.
import Foundation

public enum CSVReport {
    public static func document(_ t: ComparisonTable) -> String {
        var head = ["run", "role", "is_baseline", "backbone", "kd_method", "kd_weights", "seeds", "run_ids"]
        for c in Column.allCases {
            if c.isMeanStd {
                head += ["\(c.rawValue)_mean", "\(c.rawValue)_std"]
            } else { head.append(c.rawValue) }
        }
        head += ["baseline", "best_columns"]
        var lines = [head.map(quote).joined(separator: ",")]
        for r in t.rows {
            var cells = [r.name, r.role, r.isBaseline ? "1" : "0", r.backbone, r.kdMethod, r.kdWeights,
                         r.seeds.map(String.init).joined(separator: ";"), r.runIDs.map(String.init).joined(separator: ";")]
            for c in Column.allCases {
                if c.isMeanStd {
                    let s = c.stat(r)
                    cells += [s.map { num($0.mean) } ?? "", s.map { num($0.std) } ?? ""]
                } else { cells.append(c.value(r).map(num) ?? "") }
            }
            cells += [r.baselineName ?? "", r.best.joined(separator: ";")]
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

extension Column {
    /// Columns averaged over seeds (mean and std); the others are derived from row means.
    public var isMeanStd: Bool { ![.retained, .delta, .gap, .speedup].contains(self) }
}
