// The Pareto front of (cost, quality) points: a point is on it when no other point is at most as
// costly and strictly better, or strictly cheaper and at least as good.
import Foundation

public enum Pareto {
    /// Indices of the front for "lower x is better, higher y is better", ordered by x. Points with
    /// a non-finite coordinate are never on it; exact duplicates are all kept.
    public static func front(_ points: [(x: Double, y: Double)]) -> [Int] {
        let idx = points.indices.filter { points[$0].x.isFinite && points[$0].y.isFinite }
        let onFront = idx.filter { i in
            !idx.contains { j in
                let a = points[i], b = points[j]
                return (b.x <= a.x && b.y > a.y) || (b.x < a.x && b.y >= a.y)
            }
        }
        return onFront.sorted { (points[$0].x, points[$0].y) < (points[$1].x, points[$1].y) }
    }
}
