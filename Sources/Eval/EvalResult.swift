// The outcome of one evaluation: FastReID's summary numbers (fractions in [0, 1]; the table shows
// them ×100 with two decimals as FastReID prints them) plus the full CMC curve and counts, Codable
// for the machine-readable form.
import Foundation

public struct EvalResult: Codable, Equatable, Sendable {
    public var rank1: Double
    public var rank5: Double
    public var rank10: Double
    public var mAP: Double
    public var mINP: Double
    /// FastReID's model-selection "metric": (mAP + Rank-1) / 2.
    public var score: Double
    public var cmc: [Double]
    public var roc: [ROCPoint]
    public var numQueries: Int
    public var numValidQueries: Int
    public var numSkippedQueries: Int
    public var options: EvalOptions
    /// Wall seconds per stage (distance, rerank, query_expansion, ranking, roc).
    public var timings: [String: Double]?

    public init(metrics m: RankMetrics, roc: [ROCPoint], options: EvalOptions) {
        rank1 = m.rank(1); rank5 = m.rank(5); rank10 = m.rank(10)
        mAP = m.mAP; mINP = m.mINP; score = (m.mAP + m.rank(1)) / 2
        cmc = m.cmc; self.roc = roc
        numQueries = m.numQueries; numValidQueries = m.numValidQueries; numSkippedQueries = m.numSkippedQueries
        self.options = options
    }

    /// FastReID-style pipe table (print_csv_format): percentages with two decimals.
    public func table(dataset: String = "features") -> String { EvalResult.table([(dataset, self)]) }

    /// FastReID's results table: one row per evaluated dataset (DATASETS.TESTS), then the
    /// query counts of each.
    public static func table(_ results: [(dataset: String, result: EvalResult)]) -> String {
        guard let first = results.first?.result else { return "" }
        var headers = ["Dataset", "Rank-1", "Rank-5", "Rank-10", "mAP", "mINP", "metric"]
        for p in first.roc { headers.append(String(format: "TPR@FPR=%.0e", p.fpr)) }
        let rows: [[String]] = results.map { name, r in
            [name] + [r.rank1, r.rank5, r.rank10, r.mAP, r.mINP, r.score].map { String(format: "%.2f", 100 * $0) }
                + first.roc.map { p in r.roc.first { $0.fpr == p.fpr }.map { String(format: "%.2f", 100 * $0.tpr) } ?? "—" }
        }
        let widths = headers.indices.map { i in ([headers[i]] + rows.map { $0[i] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            "| " + zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.map { ":" + String(repeating: "-", count: $0 + 1) }.joined(separator: "|") + "|"
        var out = ([line(headers), rule] + rows.map(line)).joined(separator: "\n") + "\n"
        for (name, r) in results {
            out += "queries\(results.count > 1 ? " (\(name))" : ""): \(r.numQueries) (\(r.numValidQueries) evaluated, \(r.numSkippedQueries) skipped: no positive left after removing same-pid-same-camera items)\n"
        }
        return out
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Non-finite values cannot occur (inputs are checked), but never crash on encoding.
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(data: (try? e.encode(self)) ?? Data(), encoding: .utf8)!
    }
}
