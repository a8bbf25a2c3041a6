// The student-vs-teacher table: runs whose configs differ only by seed form one row (mean, std and
// 95% interval over seeds); the teacher comes first; each student row is compared with the
// teacher (mAP retained, speed-up) and with its own baseline — the same student architecture
// trained without KD — (Δ mAP, fraction of the teacher–student gap closed). Δ is a paired
// difference (student seed s − baseline seed s) where the seeds pair up, Welch's otherwise.
import Foundation
import Store
import Distill

/// One configuration (one or more seeds).
public struct TableRow: Codable, Sendable, Equatable {
    public var name: String
    public var role: String
    public var isBaseline: Bool
    public var backbone: String
    public var kdMethod: String
    public var kdWeights: String
    /// Where the student's teacher outputs came from: "cached (hits N%)" (the teacher-output
    /// cache; N = mean hit rate over seeds), "online" (terms that need stage maps, or no cache),
    /// "self (EMA)" (KD.TEACHER ema); "—" for the teacher and baselines.
    public var teacherOutputs: String
    public var runIDs: [Int64]
    public var seeds: [Int]
    public var r1: Estimate?
    public var r5: Estimate?
    public var mAP: Estimate?
    public var mINP: Estimate?
    public var paramsM: Estimate?
    public var gflops: Estimate?
    public var latencyMs: Estimate?
    public var imagesPerSecond: Estimate?
    public var sizeMB: Estimate?
    /// Student mAP as % of the teacher's mean mAP, per seed.
    public var mAPRetainedPct: Estimate?
    /// Student mAP − its baseline's mAP (points): paired by seed, or Welch.
    public var deltaMAP: Estimate?
    /// Δ mAP ÷ (teacher − baseline mean mAP); nil when the teacher is not above the baseline.
    public var gapClosed: Estimate?
    /// Teacher mean latency at batch 1 ÷ this row's, per seed.
    public var speedup: Estimate?
    /// Name of the baseline row the Δ and gap refer to.
    public var baselineName: String?
    /// Columns (Column raw values) where this row is the clear best among the non-teacher rows:
    /// every other row's difference from it is beyond seed noise.
    public var best: [String]
    /// Columns where this row is best or tied with the best within noise (no winner is claimed);
    /// empty for a column where every row is within noise of the best.
    public var tiedBest: [String]
}

public struct ComparisonTable: Sendable {
    public var rows: [TableRow]
    /// The records of each row, same order.
    public var groups: [[RunRecord]]
    /// Per row and column, the per-seed values behind the estimate (for paired comparisons);
    /// absent where there are none (e.g. an unpaired Δ).
    public var samples: [[Column: [SeedValue]]]
    /// Notes on what could not be computed (no teacher, no baseline …).
    public var notes: [String]
    /// Rows tied within noise with the best student on mAP (see `bestStudentIndex`).
    public var bestStudentTies: [Int] = []

    public var teacherIndex: Int? { rows.firstIndex { $0.role == RunRole.teacher.rawValue } }

    /// The non-teacher row with the highest mean mAP (ties: fewer GFLOPs, then lower first run id).
    /// Whether it is ahead beyond noise: `bestStudentTies`.
    public var bestStudentIndex: Int? {
        rows.indices.filter { rows[$0].role != RunRole.teacher.rawValue && rows[$0].mAP != nil }.min { a, b in
            let ma = rows[a].mAP!.mean, mb = rows[b].mAP!.mean
            if ma != mb { return ma > mb }
            let ga = rows[a].gflops?.mean ?? .infinity, gb = rows[b].gflops?.mean ?? .infinity
            if ga != gb { return ga < gb }
            return rows[a].runIDs[0] < rows[b].runIDs[0]
        }
    }

    /// Params of a record without the bookkeeping keys, as a sortable signature.
    static func signature(_ r: RunRecord, dropping drop: (String) -> Bool = { _ in false }) -> String {
        r.params.filter { !ParamText.isBookkeeping($0.key) && !drop($0.key) }.sorted { $0.key < $1.key }
            .map { $0.key + "=" + $0.value }.joined(separator: "\u{1}")
    }

    public static func build(_ records: [RunRecord]) -> ComparisonTable {
        // Group by (role, params without seed and paths), keeping first-appearance order; teachers first.
        var order: [String] = [], groups: [String: [RunRecord]] = [:]
        for r in records.sorted(by: { ($0.run.role == .teacher ? 0 : 1, $0.run.id) < ($1.run.role == .teacher ? 0 : 1, $1.run.id) }) {
            let sig = r.run.role.rawValue + "\u{2}" + signature(r)
            if groups[sig] == nil { order.append(sig) }
            groups[sig, default: []].append(r)
        }
        let grouped = order.map { groups[$0]! }
        var samples = grouped.map(seedValues)
        var rows = zip(grouped, samples).map { makeRow($0.0, $0.1) }
        var notes: [String] = []
        let teacher = rows.firstIndex { $0.role == RunRole.teacher.rawValue }
        if teacher == nil { notes.append("no teacher run is selected: mAP retained, gap closed and speed-up are not computed") }
        if let t = teacher, let from = grouped[t][0].value("reused_from_run") {
            notes.append("the teacher (run \(grouped[t][0].run.id)) was not retrained: it reuses run \(Int64(from)) (same config and dataset), whose metrics it carries")
        }
        if rows.filter({ $0.role == RunRole.teacher.rawValue }).count > 1 {
            notes.append("more than one teacher configuration is selected: retained %, gap and speed-up refer to the first (\(rows[teacher!].name))")
        }
        if let t = teacher, rows[t].seeds.count > 1 {
            notes.append("the teacher row has \(rows[t].seeds.count) seeds: mAP kept %, gap closed and speed-up divide by its mean, whose own spread is not in their intervals")
        }
        let tm = teacher.flatMap { rows[$0].mAP?.mean }, tl = teacher.flatMap { rows[$0].latencyMs?.mean }
        for i in rows.indices where rows[i].role != RunRole.teacher.rawValue {
            if let tm, tm > 0 { derive(&rows[i], &samples[i], .retained, from: .mAP) { 100 * $0 / tm } }
            if let tl { derive(&rows[i], &samples[i], .speedup, from: .latencyMs) { $0 > 0 ? tl / $0 : .nan } }
            guard !rows[i].isBaseline else { continue }
            guard let b = baselineIndex(for: i, rows: rows, groups: grouped) else {
                notes.append("\(rows[i].name): no baseline (same student architecture, KD.METHOD none) is selected: Δ mAP and gap closed are not computed")
                continue
            }
            rows[i].baselineName = rows[b].name
            let mine = samples[i][.mAP] ?? [], theirs = samples[b][.mAP] ?? []
            guard let delta = Estimate.difference(mine, theirs) else { continue }
            rows[i].deltaMAP = delta
            if let d = Estimate.pairedDifferences(mine, theirs) { samples[i][.delta] = d } else {
                notes.append("\(rows[i].name): its seeds (\(seedList(mine))) do not pair up with those of \(rows[b].name) (\(seedList(theirs))): Δ mAP and gap closed use Welch's unpaired interval")
            }
            guard let bm = rows[b].mAP?.mean, let tm else { continue }
            if tm > bm {
                let k = 1 / (tm - bm)
                rows[i].gapClosed = delta.scaled(by: k)
                samples[i][.gap] = samples[i][.delta]?.map { SeedValue(seed: $0.seed, value: k * $0.value) }
            } else {
                notes.append("\(rows[i].name): the teacher is not above its baseline \(rows[b].name), so the gap closed is undefined")
            }
        }
        var table = ComparisonTable(rows: rows, groups: grouped, samples: samples, notes: notes)
        BestMarks.mark(&table)
        return table
    }

    /// A column computed seed by seed from another column of the same row.
    static func derive(_ row: inout TableRow, _ s: inout [Column: [SeedValue]], _ c: Column, from src: Column, _ f: (Double) -> Double) {
        let v = (s[src] ?? []).map { SeedValue(seed: $0.seed, value: f($0.value)) }.filter { $0.value.isFinite }
        guard let e = Estimate(v.map(\.value)) else { return }
        s[c] = v
        if c == .retained { row.mAPRetainedPct = e } else { row.speedup = e }
    }

    static func seedList(_ v: [SeedValue]) -> String { v.isEmpty ? "none" : v.map { String($0.seed) }.joined(separator: ", ") }

    /// The baseline row for student row `i`: a baseline whose params equal the student's outside
    /// `KD.*`; failing that, the first baseline with the same backbone keys.
    static func baselineIndex(for i: Int, rows: [TableRow], groups: [[RunRecord]]) -> Int? {
        let isKD: (String) -> Bool = { $0.hasPrefix("KD.") }
        let mine = signature(groups[i][0], dropping: isKD)
        let candidates = rows.indices.filter { rows[$0].isBaseline }
        if let exact = candidates.first(where: { signature(groups[$0][0], dropping: isKD) == mine }) { return exact }
        let bb: (String) -> Bool = { !ReportDefaults.backboneKeys.contains($0) }
        let mineBB = signature(groups[i][0], dropping: bb)
        return candidates.first { signature(groups[$0][0], dropping: bb) == mineBB }
    }

    /// The finite per-run values of the columns read from the runs (model size in 10⁶ bytes).
    static func seedValues(_ g: [RunRecord]) -> [Column: [SeedValue]] {
        var out: [Column: [SeedValue]] = [:]
        for c in Column.allCases {
            let v: [SeedValue]
            if let key = c.summaryKey { v = g.compactMap { r in r.value(key).map { SeedValue(seed: r.run.seed, value: $0) } } }
            else if c == .sizeMB { v = g.compactMap { r in r.modelBytes.map { SeedValue(seed: r.run.seed, value: Double($0) / 1e6) } } }
            else { continue }
            if !v.isEmpty { out[c] = v }
        }
        return out
    }

    static func teacherOutputs(_ g: [RunRecord]) -> String {
        if g[0].params[KDKeys.shared.teacher.name] == "ema" { return "self (EMA)" }
        let rates = g.compactMap { $0.value("teacher_cache_hit_rate") }
        guard !rates.isEmpty else { return "online" }
        return "cached (hits \(Int((100 * rates.reduce(0, +) / Double(rates.count)).rounded()))%)"
    }

    static func makeRow(_ g: [RunRecord], _ s: [Column: [SeedValue]]) -> TableRow {
        let first = g[0]
        func stat(_ c: Column) -> Estimate? { Estimate((s[c] ?? []).map(\.value)) }
        let isBaseline = first.run.role == .baseline || (first.run.role != .teacher && first.kdMethod == "none")
        var name = first.run.name
        let suffix = "-s\(first.run.seed)"
        if name.hasSuffix(suffix) && name.count > suffix.count { name = String(name.dropLast(suffix.count)) }
        return TableRow(
            name: name, role: first.run.role.rawValue, isBaseline: isBaseline, backbone: first.backbone,
            kdMethod: first.run.role == .teacher ? "—" : first.kdMethod,
            kdWeights: first.run.role == .teacher ? "—" : ParamText.kdWeights(first.params),
            teacherOutputs: isBaseline || first.run.role == .teacher ? "—" : teacherOutputs(g),
            runIDs: g.map(\.run.id), seeds: g.map(\.run.seed),
            r1: stat(.r1), r5: stat(.r5), mAP: stat(.mAP), mINP: stat(.mINP), paramsM: stat(.paramsM),
            gflops: stat(.gflops), latencyMs: stat(.latencyMs), imagesPerSecond: stat(.imagesPerSecond), sizeMB: stat(.sizeMB),
            mAPRetainedPct: nil, deltaMAP: nil, gapClosed: nil, speedup: nil, baselineName: nil, best: [], tiedBest: [])
    }
}
