// Comparing two runs: which config keys differ (from `params`) and how the summary metrics moved.
import Foundation

/// Two runs side by side. `paramDiffs` lists only keys whose values differ (a missing key is nil);
/// `summary` lists every summary key of either run with `delta = b − a` when both exist;
/// `latestMetrics` does the same for the last logged value of each metric key (final losses).
public struct RunComparison: Sendable {
    public struct ParamDiff: Sendable, Equatable {
        public let key: String
        public let a: String?
        public let b: String?
    }
    public struct SummaryDiff: Sendable, Equatable {
        public let key: String
        public let a: Double?
        public let b: Double?
        public var delta: Double? { a.flatMap { a in b.map { $0 - a } } }
    }
    public let a: Run
    public let b: Run
    /// Where the two numbers came from, when it differs: code version, dataset fingerprint,
    /// BLAS kernel, CPU, threads. Any difference here can move a metric by itself.
    public let provenanceDiffs: [ParamDiff]
    public let paramDiffs: [ParamDiff]
    /// How many params the two runs share with equal values.
    public let sameParams: Int
    public let summary: [SummaryDiff]
    public let latestMetrics: [SummaryDiff]
}

extension ExperimentStore {
    /// Config diff and summary diff of runs `a` and `b` (throws `unknownRun` for a bad id).
    public func compare(_ a: Int64, _ b: Int64) throws -> RunComparison {
        let ra = try run(a), rb = try run(b)
        let pa = try params(run: a), pb = try params(run: b)
        let sa = try summary(run: a), sb = try summary(run: b)
        var diffs: [RunComparison.ParamDiff] = [], same = 0
        for k in Set(pa.keys).union(pb.keys).sorted() {
            if pa[k] == pb[k] { same += 1 } else { diffs.append(.init(key: k, a: pa[k], b: pb[k])) }
        }
        let summary = Set(sa.keys).union(sb.keys).sorted().map { RunComparison.SummaryDiff(key: $0, a: sa[$0], b: sb[$0]) }
        let la = try latestMetrics(run: a).mapValues(\.value), lb = try latestMetrics(run: b).mapValues(\.value)
        let latest = Set(la.keys).union(lb.keys).sorted().map { RunComparison.SummaryDiff(key: $0, a: la[$0], b: lb[$0]) }
        let provenance: [(String, (Run) -> String?)] = [
            ("code version", \.codeVersion), ("dataset", \.datasetFingerprint), ("BLAS", \.blas),
            ("CPU", \.cpu), ("threads", { $0.threads.map(String.init) }),
        ]
        let provenanceDiffs = provenance.compactMap { key, get in
            get(ra) == get(rb) ? nil : RunComparison.ParamDiff(key: key, a: get(ra), b: get(rb))
        }
        return RunComparison(a: ra, b: rb, provenanceDiffs: provenanceDiffs, paramDiffs: diffs, sameParams: same, summary: summary, latestMetrics: latest)
    }
}
