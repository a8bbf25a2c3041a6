// Which rows hold the best value of a column, among the non-teacher rows (the teacher is the
// reference). A single row is marked best (★) only when its difference from every other row is
// beyond seed noise (95% interval excludes 0); otherwise the best row and every row within noise
// of it are "tied within noise" (≈★) and no winner is claimed. Two rows are compared seed by seed
// (paired) when they share the architecture and their seeds pair up, by Welch's interval otherwise;
// with too few seeds for an interval they count as tied. Model properties (params, GFLOPs, size)
// carry no seed noise and are compared exactly, at the shown precision.
import Foundation
import Store

enum BestMarks {
    static func mark(_ t: inout ComparisonTable) {
        let candidates = t.rows.indices.filter { t.rows[$0].role != RunRole.teacher.rawValue }
        for c in Column.allCases {
            let vals = candidates.compactMap { i in c.value(t.rows[i]).map { (i, $0) } }
            guard vals.count > 1 else { continue }
            let scale = pow(10, Double(c.digits))
            let key: (Double) -> Double = { (c.higherIsBetter ? 1 : -1) * ($0 * scale).rounded() }
            let bestKey = vals.map { key($0.1) }.max()!
            let top = vals.filter { key($0.1) == bestKey }.map(\.0)
            if c.isDeterministic {
                for i in top { t.rows[i].best.append(c.rawValue) }
                continue
            }
            // The lead: the best unrounded mean (first row on exact ties).
            let lead = vals.max { (c.higherIsBetter ? $0.1 < $1.1 : $0.1 > $1.1) || ($0.1 == $1.1 && $0.0 < $1.0) }!.0
            let tied = Set(top).union(tiedWithinNoise(t, lead: lead, column: c, among: vals.map(\.0)))
            if tied.count == 1 { t.rows[lead].best.append(c.rawValue) }
            // All rows within noise of the best: the column singles out nobody, so it marks nobody.
            else if tied.count < vals.count { for i in tied.sorted() { t.rows[i].tiedBest.append(c.rawValue) } }
        }
        if let b = t.bestStudentIndex {
            t.bestStudentTies = tiedWithinNoise(t, lead: b, column: .mAP, among: candidates).filter { $0 != b }
        }
    }

    /// The rows of `among` (lead included) whose difference from `lead` in column `c` is not
    /// beyond noise: its 95% interval contains 0, or there is no interval (too few seeds).
    static func tiedWithinNoise(_ t: ComparisonTable, lead: Int, column c: Column, among: [Int]) -> [Int] {
        among.filter { j in
            guard j != lead else { return true }
            guard c.value(t.rows[j]) != nil else { return false }
            guard let d = difference(t, j, lead, column: c) else { return true }
            return d.withinNoise ?? true
        }
    }

    /// Row `a` − row `b` in column `c`: paired when both rows are the same architecture and their
    /// seeds pair up, Welch otherwise; nil when a row has no per-seed values in that column.
    static func difference(_ t: ComparisonTable, _ a: Int, _ b: Int, column c: Column) -> Estimate? {
        guard let sa = t.samples[a][c], let sb = t.samples[b][c] else { return nil }
        return Estimate.difference(sa, sb, pairable: t.rows[a].backbone == t.rows[b].backbone)
    }
}
