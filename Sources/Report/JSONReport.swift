// report.json: everything in the tables plus per-run summaries, the Pareto fronts, the runs shown
// in the CMC and rank-list figures and what was unavailable — for scripts. Keys are sorted. Every
// table value is an estimate: mean, std, n, 95% interval `ci` {low, high}, `df`, `method`
// (seeds | paired | welch) and, for differences, `withinNoise` (the interval contains 0).
import Foundation
import Store

struct ReportJSON: Encodable {
    struct RunEntry: Encodable {
        let id: Int64, name: String, role: String, status: String, seed: Int
        let summary: [String: Double]
        let modelBytes: Int64?
        let evalFile: String?, rankListFile: String?
    }
    struct Unfinished: Encodable { let id: Int64, name: String, status: String, error: String? }
    let title: String
    let source: String
    let store: String
    let sweep: String?
    let generatedAt: String
    let headline: [String]
    let rows: [TableRow]
    let notes: [String]
    let factors: [Factor]
    let paretoGFLOPs: [String]
    let paretoLatency: [String]
    let teacherRunID: Int64?
    let bestStudentRow: String?
    /// Rows tied within noise with the best student on mAP (empty: it is ahead beyond noise).
    let bestStudentTiedWith: [String]
    let bestStudentRunID: Int64?
    let runs: [RunEntry]
    let unfinished: [Unfinished]
    let unavailable: [String]
    let rankLists: [String]
    let provenance: [ProvenanceLine]
    let pruned: [PrunedRun]
    let otherTestSets: [OtherTestSet]
}

public enum JSONReport {
    public static func document(_ m: ReportModel, generatedAt: String) throws -> Data {
        let rows = m.table.rows
        let doc = ReportJSON(
            title: m.title, source: m.source.description, store: m.source.storePath, sweep: m.source.sweep?.name,
            generatedAt: generatedAt, headline: Headline.sentences(m.table), rows: rows, notes: m.table.notes, factors: m.factors,
            paretoGFLOPs: m.paretoGFLOPs.map { rows[$0].name }, paretoLatency: m.paretoLatency.map { rows[$0].name },
            teacherRunID: m.teacherRun?.run.id, bestStudentRow: m.table.bestStudentIndex.map { rows[$0].name },
            bestStudentTiedWith: m.table.bestStudentTies.map { rows[$0].name },
            bestStudentRunID: m.bestStudentRun?.run.id,
            runs: m.source.records.map {
                .init(id: $0.run.id, name: $0.run.name, role: $0.run.role.rawValue, status: $0.run.status.rawValue, seed: $0.run.seed,
                      summary: $0.summary, modelBytes: $0.modelBytes, evalFile: $0.evalFile, rankListFile: $0.rankListFile)
            },
            unfinished: m.source.unfinished.map { .init(id: $0.id, name: $0.name, status: $0.status.rawValue, error: $0.error) },
            unavailable: m.unavailable, rankLists: m.rankLists.map { "ranklists/" + $0.fileName },
            provenance: m.provenance, pruned: m.source.pruned, otherTestSets: m.otherTestSets)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(doc)
    }
}
