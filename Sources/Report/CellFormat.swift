// How table values are written: `mean ± std` over seeds (std only with ≥ 2 seeds), fixed digits
// per column, `—` for a value that does not exist; 95% intervals as `[low, high]`; differences
// whose interval contains 0 marked "within noise", unpaired (Welch) differences marked †. Shared
// by the Markdown, HTML and terminal output.
import Foundation

public enum CellFormat {
    public static let withinNoise = "within noise"
    public static let unpairedMark = "†"
    public static let bestMark = "★"
    public static let tiedMark = "≈★"

    public static func number(_ v: Double, digits: Int) -> String {
        guard v.isFinite else { return "—" }
        let s = String(format: "%.\(digits)f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    public static func meanStd(_ m: Estimate?, digits: Int) -> String {
        guard let m else { return "—" }
        return number(m.mean, digits: digits) + (m.std.map { " ± " + number($0, digits: digits) } ?? "")
    }

    /// A value in the column's unit: signed points for Δ, percent for the gap, × for the speed-up.
    public static func value(_ v: Double, _ column: Column) -> String {
        switch column {
        case .delta: return (v > 0 && number(v, digits: column.digits) != number(0, digits: column.digits) ? "+" : "") + number(v, digits: column.digits)
        case .gap: return number(100 * v, digits: 0) + "%"
        case .speedup: return number(v, digits: column.digits) + "×"
        default: return number(v, digits: column.digits)
        }
    }

    /// The spread in the column's unit (no sign).
    static func spread(_ v: Double, _ column: Column) -> String {
        column == .gap ? number(100 * v, digits: 0) + "%" : number(v, digits: column.digits)
    }

    /// The text of `column` in `row`: mean ± std, and for a difference its noise and pairing marks
    /// (no best-marking).
    public static func cell(_ row: TableRow, _ column: Column) -> String {
        guard let s = column.stat(row) else { return "—" }
        // Params, FLOPs and file size do not vary with the seed: no spread to show.
        guard !column.isDeterministic else { return value(s.mean, column) }
        var text = value(s.mean, column) + (s.std.map { " ± " + spread($0, column) } ?? "")
        if column.isDifference {
            if s.method == .welch { text += " " + unpairedMark }
            if s.withinNoise == true { text += " (\(withinNoise))" }
        }
        return text
    }

    /// The 95% interval of `column` in `row`: `[low, high]`, how it was computed for a difference
    /// (paired / Welch) and the noise mark; or why there is none.
    public static func interval(_ row: TableRow, _ column: Column) -> String {
        guard let s = column.stat(row) else { return "—" }
        var text: String
        if let ci = s.ci { text = "[" + value(ci.low, column) + ", " + value(ci.high, column) + "]" } else {
            let counts = s.nReference.map { "\(s.n) vs \($0) seeds" } ?? "\(s.n) seed\(s.n == 1 ? "" : "s")"
            text = "no interval (\(counts))"
        }
        if column.isDifference {
            text += s.method == .welch ? " Welch (unpaired) \(unpairedMark)" : " paired"
            if s.withinNoise == true { text += ", \(withinNoise)" }
        }
        return text
    }

    /// The role, marking a KD-none run that is not labelled baseline: `student (baseline)`.
    public static func role(_ r: TableRow) -> String {
        r.isBaseline && r.role != "baseline" ? "\(r.role) (baseline)" : r.role
    }

    /// Row label with its seed count: `r18-w0.25-baseline (2 seeds)`.
    public static func rowName(_ r: TableRow) -> String {
        r.name + (r.seeds.count > 1 ? " (\(r.seeds.count) seeds)" : "")
    }

    /// The best-marking of a cell: ★ for a clear best, ≈★ for tied within noise, nil for neither.
    public static func mark(_ r: TableRow, _ c: Column) -> String? {
        r.best.contains(c.rawValue) ? bestMark : r.tiedBest.contains(c.rawValue) ? tiedMark : nil
    }
}
