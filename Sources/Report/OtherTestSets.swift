// DATASETS.TESTS beyond the first: the headline table compares the first test set; every other
// one gets a table of its own here, one row per configuration (seeds pooled, mean ± std), from
// the summary keys `mAP@NAME`, `R1@NAME`, `mINP@NAME` the runs recorded.
import Foundation

public struct OtherTestSet: Sendable, Encodable {
    public let dataset: String
    public let rows: [Row]
    public struct Row: Sendable, Encodable {
        public let name: String
        public let runs: [Int64]
        public let r1: Estimate?, mAP: Estimate?, mINP: Estimate?
    }
}

public enum OtherTestSets {
    /// One table per extra dataset, rows in the comparison table's order.
    public static func tables(_ table: ComparisonTable, records: [RunRecord]) -> [OtherTestSet] {
        let byID = Dictionary(records.map { ($0.run.id, $0) }, uniquingKeysWith: { a, _ in a })
        let datasets = Set(records.flatMap { $0.summary.keys.filter { $0.hasPrefix("mAP@") }.map { String($0.dropFirst(4)) } }).sorted()
        return datasets.map { name in
            OtherTestSet(dataset: name, rows: table.rows.compactMap { row in
                let recs = row.runIDs.compactMap { byID[$0] }
                func stat(_ k: String) -> Estimate? { Estimate(recs.compactMap { $0.value("\(k)@\(name)") }) }
                guard let m = stat("mAP") else { return nil }
                return OtherTestSet.Row(name: row.name, runs: row.runIDs, r1: stat("R1"), mAP: m, mINP: stat("mINP"))
            })
        }
    }

    public static func markdown(_ sets: [OtherTestSet]) -> String {
        var s = ""
        for t in sets {
            s += "### \(t.dataset)\n\n| row | runs | R1 | mAP | mINP |\n|:--|--:|--:|--:|--:|\n"
            for r in t.rows {
                s += "| \(r.name) | \(r.runs.count) | \(CellFormat.meanStd(r.r1, digits: 2)) | \(CellFormat.meanStd(r.mAP, digits: 2)) | \(CellFormat.meanStd(r.mINP, digits: 2)) |\n"
            }
            s += "\n"
        }
        return s
    }
}
