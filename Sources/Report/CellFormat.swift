// How table values are written: `mean ± std` over seeds (std only with ≥ 2 seeds), fixed digits
// per column, `—` for a value that does not exist. Shared by the Markdown, HTML and terminal output.
import Foundation

public enum CellFormat {
    public static func number(_ v: Double, digits: Int) -> String {
        guard v.isFinite else { return "—" }
        let s = String(format: "%.\(digits)f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    public static func meanStd(_ m: MeanStd?, digits: Int) -> String {
        guard let m else { return "—" }
        return m.n > 1 ? number(m.mean, digits: digits) + " ± " + number(m.std, digits: digits) : number(m.mean, digits: digits)
    }

    /// The text of `column` in `row` (no best-marking).
    public static func cell(_ row: TableRow, _ column: Column) -> String {
        if let s = column.stat(row) {
            // Params, FLOPs and file size do not vary with the seed: the std is noise-free 0.
            let spread = [.paramsM, .gflops, .sizeMB].contains(column) ? MeanStd(mean: s.mean, std: 0, n: 1) : s
            return meanStd(spread, digits: column.digits)
        }
        guard let v = column.value(row) else { return "—" }
        switch column {
        case .delta: return (v > 0 ? "+" : "") + number(v, digits: column.digits)
        case .gap: return number(100 * v, digits: 0) + "%"
        case .speedup: return number(v, digits: column.digits) + "×"
        default: return number(v, digits: column.digits)
        }
    }

    /// The role, marking a KD-none run that is not labelled baseline: `student (baseline)`.
    public static func role(_ r: TableRow) -> String {
        r.isBaseline && r.role != "baseline" ? "\(r.role) (baseline)" : r.role
    }

    /// Row label with its seed count: `r18-w0.25-baseline (2 seeds)`.
    public static func rowName(_ r: TableRow) -> String {
        r.name + (r.seeds.count > 1 ? " (\(r.seeds.count) seeds)" : "")
    }
}
