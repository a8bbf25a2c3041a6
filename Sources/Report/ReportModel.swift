// Everything a report shows, computed once from the store's records; the Markdown, HTML, CSV and
// JSON writers only format it. Anything a run lacks (older runs have no eval.json/ranklist.json)
// becomes a line in `unavailable` saying what is missing and why, instead of an error.
import Foundation
import Data
import Eval
import Store

public struct RankListImage: Sendable {
    /// File name under `ranklists/`.
    public var fileName: String
    public var queryIndex: Int
    public var queryPID: Int
    /// Correct identities in the top-k of teacher and student.
    public var teacherHits: Int
    public var studentHits: Int
    public var k: Int
    public var png: [UInt8]
}

public struct ReportModel: Sendable {
    public var title: String
    public var source: ReportSource
    public var table: ComparisonTable
    public var factors: [Factor]
    public var tradeoffs: [NamedChart]
    /// Row indices on the Pareto front of mAP vs GFLOPs and vs latency.
    public var paretoGFLOPs: [Int]
    public var paretoLatency: [Int]
    public var cmc: NamedChart?
    /// Per run: its record and its three training charts.
    public var training: [(record: RunRecord, charts: [SVGChart])]
    public var rankLists: [RankListImage]
    public var teacherRun: RunRecord?
    /// The run shown for the best student row (its highest-mAP seed).
    public var bestStudentRun: RunRecord?
    public var unavailable: [String]
    /// Code version, dataset, BLAS kernel, CPU and threads of the reported runs.
    public var provenance: [ProvenanceLine] = []
    /// The second and later DATASETS.TESTS entries, one table each.
    public var otherTestSets: [OtherTestSet] = []

    public static func build(_ source: ReportSource) -> ReportModel {
        let table = ComparisonTable.build(source.records)
        var unavailable: [String] = []
        let (g, fg) = ReportCharts.tradeoff(table, cost: .gflops, id: "map-vs-gflops", xLabel: "GFLOPs per image")
        let (l, fl) = ReportCharts.tradeoff(table, cost: .latencyMs, id: "map-vs-latency", xLabel: "latency at batch 1 (ms per image)")
        let teacher = table.teacherIndex.map { table.groups[$0][0] }
        let best = table.bestStudentIndex.map { i in table.groups[i].max { ($0.value("mAP") ?? -1, -$0.run.id) < ($1.value("mAP") ?? -1, -$1.run.id) }! }
        // CMC of the teacher and the best student.
        var curves: [(name: String, cmc: [Double])] = []
        for (who, r) in [("teacher", teacher), ("best student", best)] {
            guard let r else { unavailable.append("CMC curve of the \(who): no \(who) run is selected"); continue }
            guard let f = r.evalFile else { unavailable.append("CMC curve of the \(who) (run \(r.run.id)): no eval.json recorded — runs from before eval artifacts were added lack it"); continue }
            do { curves.append(("\(who): \(r.run.name) (run \(r.run.id))", try StoredEval.load(f).cmc)) }
            catch { unavailable.append("CMC curve of the \(who): \(error)") }
        }
        var model = ReportModel(
            title: "ReidKD report — " + (source.sweep.map { "sweep \($0.name)" } ?? source.description),
            source: source, table: table, factors: FactorTable.build(source.records), tradeoffs: [g, l],
            paretoGFLOPs: fg, paretoLatency: fl, cmc: ReportCharts.cmc(curves),
            training: source.records.map { ($0, ReportCharts.training($0)) }, rankLists: [],
            teacherRun: teacher, bestStudentRun: best, unavailable: unavailable)
        model.rankLists = rankListImages(teacher: teacher, student: best, storePath: source.storePath, launchDirectory: source.launchDirectory, notes: &model.unavailable)
        model.provenance = Provenance.lines(source.records)
        model.otherTestSets = OtherTestSets.tables(table, records: source.records)
        return model
    }

    /// PNG rows (query | teacher top-k | student top-k) for evenly spaced queries of the stored lists.
    static func rankListImages(teacher: RunRecord?, student: RunRecord?, storePath: String, launchDirectory: String? = nil, notes: inout [String]) -> [RankListImage] {
        guard let teacher, let student else { notes.append("rank-list images: they need a teacher and a student run"); return [] }
        guard let tf = teacher.rankListFile, let sf = student.rankListFile else {
            let who = [teacher, student].filter { $0.rankListFile == nil }.map { "run \($0.run.id) (\($0.run.name))" }
            notes.append("rank-list images: no ranklist.json for \(who.joined(separator: " and ")) — runs from before rank lists were recorded lack it")
            return []
        }
        let t: RankList, s: RankList
        do { t = try RankList.load(tf); s = try RankList.load(sf) } catch { notes.append("rank-list images: \(error)"); return [] }
        let common = min(t.queries.count, s.queries.count)
        guard common > 0, (0..<common).allSatisfy({ t.queries[$0].query.path == s.queries[$0].query.path }) else {
            notes.append("rank-list images: the teacher's and the student's rank lists show different queries (evaluated on different data?)")
            return []
        }
        var cache: [String: RGBImage?] = [:]
        func load(_ p: String) -> RGBImage? {
            if let c = cache[p] { return c }
            let img = ArtifactPath.resolve(p, storePath: storePath, launchDirectory: launchDirectory).flatMap { try? ImageIO.load($0) }
            cache[p] = img
            return img
        }
        var out: [RankListImage] = [], missing = 0
        for qi in RankList.queryIndices(numQueries: common, count: ReportDefaults.rankListQueries) {
            let tq = t.queries[qi], sq = s.queries[qi]
            let (img, miss) = RankListSheet.row(query: tq.query, teacher: tq.gallery, student: sq.gallery, load: load)
            missing += miss
            guard let png = try? PNGCodec.encode(img) else { continue }
            out.append(RankListImage(fileName: String(format: "query-%03d.png", qi), queryIndex: tq.query.index, queryPID: tq.query.pid,
                                     teacherHits: tq.gallery.filter(\.match).count, studentHits: sq.gallery.filter(\.match).count,
                                     k: max(tq.gallery.count, sq.gallery.count), png: png))
        }
        if missing > 0 { notes.append("rank-list images: \(missing) image file(s) could not be read and are drawn as grey cells (dataset moved or deleted?)") }
        return out
    }
}
