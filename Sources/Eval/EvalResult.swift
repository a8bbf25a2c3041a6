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
    public func table(dataset: String = "features") -> String {
        var headers = ["Dataset", "Rank-1", "Rank-5", "Rank-10", "mAP", "mINP", "metric"]
        var values = [dataset] + [rank1, rank5, rank10, mAP, mINP, score].map { String(format: "%.2f", 100 * $0) }
        for p in roc {
            headers.append(String(format: "TPR@FPR=%.0e", p.fpr))
            values.append(String(format: "%.2f", 100 * p.tpr))
        }
        let widths = zip(headers, values).map { max($0.count, $1.count) }
        func line(_ cells: [String]) -> String {
            "| " + zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.map { ":" + String(repeating: "-", count: $0 + 1) }.joined(separator: "|") + "|"
        var out = [line(headers), rule, line(values)].joined(separator: "\n") + "\n"
        out += "queries: \(numQueries) (\(numValidQueries) evaluated, \(numSkippedQueries) skipped: no positive left after removing same-pid-same-camera items)\n"
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
