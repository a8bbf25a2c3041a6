// The student-vs-teacher table: runs whose configs differ only by seed form one row (mean ± std
// over seeds); the teacher comes first; each student row is compared with the teacher (mAP
// retained, speed-up) and with its own baseline — the same student architecture trained without
// KD — (Δ mAP, fraction of the teacher–student gap closed). Derived columns use the row means.
import Foundation
import Store

/// One configuration (one or more seeds).
public struct TableRow: Codable, Sendable, Equatable {
    public var name: String
    public var role: String
    public var isBaseline: Bool
    public var backbone: String
    public var kdMethod: String
    public var kdWeights: String
    public var runIDs: [Int64]
    public var seeds: [Int]
    public var r1: MeanStd?
    public var r5: MeanStd?
    public var mAP: MeanStd?
    public var mINP: MeanStd?
    public var paramsM: MeanStd?
    public var gflops: MeanStd?
    public var latencyMs: MeanStd?
    public var imagesPerSecond: MeanStd?
    public var sizeMB: MeanStd?
    /// Student mAP as % of the teacher's.
    public var mAPRetainedPct: Double?
    /// Student mAP − its baseline's mAP (points).
    public var deltaMAP: Double?
    /// (student − baseline) / (teacher − baseline) of mAP; nil when the teacher is not above the baseline.
    public var gapClosed: Double?
    /// Teacher latency at batch 1 ÷ this row's.
    public var speedup: Double?
    /// Name of the baseline row the Δ and gap refer to.
    public var baselineName: String?
    /// Columns (Column raw values) where this row holds the best value among the non-teacher rows.
    public var best: [String]
}

/// The table's numeric columns: title, which direction is better, digits.
public enum Column: String, CaseIterable, Codable, Sendable {
    case r1 = "R1", r5 = "R5", mAP, mINP, paramsM = "params_M", gflops = "GFLOPs", latencyMs = "latency_ms_b1"
    case imagesPerSecond = "images_per_second_b64", sizeMB = "size_MB", retained = "mAP_retained_pct"
    case delta = "delta_mAP", gap = "gap_closed", speedup

    public var title: String {
        switch self {
        case .r1: return "R1"; case .r5: return "R5"; case .mAP: return "mAP"; case .mINP: return "mINP"
        case .paramsM: return "params M"; case .gflops: return "GFLOPs"; case .latencyMs: return "ms b1"
        case .imagesPerSecond: return "img/s b64"; case .sizeMB: return "size MB"; case .retained: return "mAP kept %"
        case .delta: return "Δ mAP"; case .gap: return "gap closed"; case .speedup: return "speed-up"
        }
    }
    public var higherIsBetter: Bool { ![.paramsM, .gflops, .latencyMs, .sizeMB].contains(self) }
    public var digits: Int {
        switch self {
        case .paramsM, .gflops: return 3
        case .imagesPerSecond: return 0
        case .gap: return 2
        case .speedup: return 2
        default: return 2
        }
    }
    /// Mean ± std columns (the others are single derived numbers).
    public func stat(_ r: TableRow) -> MeanStd? {
        switch self {
        case .r1: return r.r1; case .r5: return r.r5; case .mAP: return r.mAP; case .mINP: return r.mINP
        case .paramsM: return r.paramsM; case .gflops: return r.gflops; case .latencyMs: return r.latencyMs
        case .imagesPerSecond: return r.imagesPerSecond; case .sizeMB: return r.sizeMB
        default: return nil
        }
    }
    public func value(_ r: TableRow) -> Double? {
        switch self {
        case .retained: return r.mAPRetainedPct
        case .delta: return r.deltaMAP
        case .gap: return r.gapClosed
        case .speedup: return r.speedup
        default: return stat(r)?.mean
        }
    }
}

public struct ComparisonTable: Sendable {
    public var rows: [TableRow]
    /// The records of each row, same order.
    public var groups: [[RunRecord]]
    /// Notes on what could not be computed (no teacher, no baseline …).
    public var notes: [String]

    public var teacherIndex: Int? { rows.firstIndex { $0.role == RunRole.teacher.rawValue } }

    /// The best non-teacher row by mean mAP (ties: fewer GFLOPs, then lower first run id).
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
        var rows = grouped.map(makeRow)
        var notes: [String] = []
        let teacher = rows.firstIndex { $0.role == RunRole.teacher.rawValue }
        if teacher == nil { notes.append("no teacher run is selected: mAP retained, gap closed and speed-up are not computed") }
        if let t = teacher, let from = grouped[t][0].value("reused_from_run") {
            notes.append("the teacher (run \(grouped[t][0].run.id)) was not retrained: it reuses run \(Int64(from)) (same config and dataset), whose metrics it carries")
        }
        if rows.filter({ $0.role == RunRole.teacher.rawValue }).count > 1 {
            notes.append("more than one teacher configuration is selected: retained %, gap and speed-up refer to the first (\(rows[teacher!].name))")
        }
        for i in rows.indices where rows[i].role != RunRole.teacher.rawValue {
            let tm = teacher.flatMap { rows[$0].mAP?.mean }, m = rows[i].mAP?.mean
            if let tm, let m, tm != 0 { rows[i].mAPRetainedPct = 100 * m / tm }
            if let t = teacher, let tl = rows[t].latencyMs?.mean, let l = rows[i].latencyMs?.mean, l > 0 { rows[i].speedup = tl / l }
            guard !rows[i].isBaseline else { continue }
            guard let b = baselineIndex(for: i, rows: rows, groups: grouped) else {
                notes.append("\(rows[i].name): no baseline (same student architecture, KD.METHOD none) is selected: Δ mAP and gap closed are not computed")
                continue
            }
            rows[i].baselineName = rows[b].name
            if let m, let bm = rows[b].mAP?.mean {
                rows[i].deltaMAP = m - bm
                if let tm, tm > bm { rows[i].gapClosed = (m - bm) / (tm - bm) }
                else if tm != nil { notes.append("\(rows[i].name): the teacher is not above its baseline \(rows[b].name), so the gap closed is undefined") }
            }
        }
        markBest(&rows)
        return ComparisonTable(rows: rows, groups: grouped, notes: notes)
    }

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

    static func makeRow(_ g: [RunRecord]) -> TableRow {
        let first = g[0]
        func stat(_ key: String, scale: Double = 1) -> MeanStd? { MeanStd(g.compactMap { $0.value(key) }.map { $0 * scale }) }
        let isBaseline = first.run.role == .baseline || (first.run.role != .teacher && first.kdMethod == "none")
        var name = first.run.name
        let suffix = "-s\(first.run.seed)"
        if name.hasSuffix(suffix) && name.count > suffix.count { name = String(name.dropLast(suffix.count)) }
        return TableRow(
            name: name, role: first.run.role.rawValue, isBaseline: isBaseline, backbone: first.backbone,
            kdMethod: first.run.role == .teacher ? "—" : first.kdMethod,
            kdWeights: first.run.role == .teacher ? "—" : ParamText.kdWeights(first.params),
            runIDs: g.map(\.run.id), seeds: g.map(\.run.seed),
            r1: stat("R1"), r5: stat("R5"), mAP: stat("mAP"), mINP: stat("mINP"), paramsM: stat("params_M"),
            gflops: stat("gflops"), latencyMs: stat("latency_ms_b1"), imagesPerSecond: stat("images_per_second_b64"),
            sizeMB: MeanStd(g.compactMap { $0.modelBytes.map { Double($0) / 1e6 } }),
            mAPRetainedPct: nil, deltaMAP: nil, gapClosed: nil, speedup: nil, baselineName: nil, best: [])
    }

    /// Marks, per column, every non-teacher row holding the best mean (the teacher is the
    /// reference, so it is not a candidate). Values equal at the shown precision tie.
    static func markBest(_ rows: inout [TableRow]) {
        let candidates = rows.indices.filter { rows[$0].role != RunRole.teacher.rawValue }
        for c in Column.allCases {
            let vals = candidates.compactMap { i in c.value(rows[i]).map { (i, $0) } }
            guard vals.count > 1 else { continue }
            let scale = pow(10, Double(c.digits))
            let key: (Double) -> Double = { ($0 * scale).rounded() }
            let bestKey = c.higherIsBetter ? vals.map { key($0.1) }.max()! : vals.map { key($0.1) }.min()!
            for (i, v) in vals where key(v) == bestKey { rows[i].best.append(c.rawValue) }
        }
    }
}
