// The comparison table's numeric columns: title, which direction is better, digits, and which
// estimate of a row each one shows. Every column is a mean over seeds with its std and 95% interval.
import Foundation

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
        default: return 2
        }
    }
    /// Properties of the model, the same for every seed: no seed noise, compared exactly.
    public var isDeterministic: Bool { [.paramsM, .gflops, .sizeMB].contains(self) }
    /// Differences from the baseline, where 0 means "no effect" and an interval containing 0 is "within noise".
    public var isDifference: Bool { [.delta, .gap].contains(self) }
    /// Summary keys of the columns read straight from the runs (with their scale); the others are derived.
    var summaryKey: String? {
        switch self {
        case .r1: return "R1"; case .r5: return "R5"; case .mAP: return "mAP"; case .mINP: return "mINP"
        case .paramsM: return "params_M"; case .gflops: return "gflops"; case .latencyMs: return "latency_ms_b1"
        case .imagesPerSecond: return "images_per_second_b64"
        default: return nil
        }
    }

    public func stat(_ r: TableRow) -> Estimate? {
        switch self {
        case .r1: return r.r1; case .r5: return r.r5; case .mAP: return r.mAP; case .mINP: return r.mINP
        case .paramsM: return r.paramsM; case .gflops: return r.gflops; case .latencyMs: return r.latencyMs
        case .imagesPerSecond: return r.imagesPerSecond; case .sizeMB: return r.sizeMB
        case .retained: return r.mAPRetainedPct; case .delta: return r.deltaMAP; case .gap: return r.gapClosed
        case .speedup: return r.speedup
        }
    }
    /// The row's mean in this column.
    public func value(_ r: TableRow) -> Double? { stat(r)?.mean }
}
