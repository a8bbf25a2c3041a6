// The evaluation pipeline, in FastReID's order: α-QE (optional) → distances → k-reciprocal
// re-ranking (optional) → CMC/mAP/mINP → ROC (optional). Input checks happen here, before any
// kernel runs, so bad input gives a message instead of a crash.
import Foundation
import Tensor

public struct EvalOptions: Codable, Equatable, Sendable {
    public var metric: DistanceMetric
    public var rerank: ReRankOptions?
    public var queryExpansion: QueryExpansionOptions?
    /// FPR targets for TPR@FPR; empty turns the ROC summary off.
    public var rocFPRs: [Double]
    public var maxRank: Int

    public init(metric: DistanceMetric = EvalDefaults.metric, rerank: ReRankOptions? = nil,
                queryExpansion: QueryExpansionOptions? = nil, rocFPRs: [Double] = EvalDefaults.rocFPRs,
                maxRank: Int = EvalDefaults.maxRank) {
        self.metric = metric; self.rerank = rerank; self.queryExpansion = queryExpansion
        self.rocFPRs = rocFPRs; self.maxRank = maxRank
    }
}

/// What to call each input in error messages (the CLI passes file names).
public struct EvalInputNames: Sendable {
    public var query = "query features", gallery = "gallery features"
    public var queryIds = "query ids", galleryIds = "gallery ids"
    public init(query: String = "query features", gallery: String = "gallery features",
                queryIds: String = "query ids", galleryIds: String = "gallery ids") {
        self.query = query; self.gallery = gallery; self.queryIds = queryIds; self.galleryIds = galleryIds
    }
}

public enum ReidEvaluator {
    /// Evaluates query (Q, D) against gallery (G, D) embeddings.
    public static func evaluate(query: Tensor, gallery: Tensor, queryIds: ReidIds, galleryIds: ReidIds,
                                options: EvalOptions = EvalOptions(), names: EvalInputNames = EvalInputNames()) throws -> EvalResult {
        try check(query, names.query)
        try check(gallery, names.gallery)
        guard query.shape[1] == gallery.shape[1] else {
            throw EvalError("\(names.query) are \(query.shape[1])-d but \(names.gallery) are \(gallery.shape[1])-d; both must come from the same model")
        }
        try checkCounts(query.shape[0], gallery.shape[0], queryIds, galleryIds, names)
        try checkOptions(options)
        var timings: [String: Double] = [:]
        var (q, g) = (query, gallery)
        if let qe = options.queryExpansion {
            (q, g) = timed("query_expansion", &timings) { QueryExpansion.alpha(query: q, gallery: g, options: qe) }
        }
        var dist = timed("distance", &timings) { Distance.compute(q, g, metric: options.metric) }
        if let rr = options.rerank {
            dist = timed("rerank", &timings) {
                let qq = Distance.compute(q, q, metric: options.metric)
                let gg = Distance.compute(g, g, metric: options.metric)
                return ReRanking.kReciprocal(qg: dist, qq: qq, gg: gg, options: rr)
            }
        }
        var result = try rank(dist, queryIds, galleryIds, options, &timings)
        result.timings = timings
        return result
    }

    /// Evaluates a precomputed (Q, G) distance matrix (post-processing options other than the
    /// metric do not apply: re-ranking and QE need features).
    public static func evaluate(distances: Tensor, queryIds: ReidIds, galleryIds: ReidIds,
                                options: EvalOptions = EvalOptions(), names: EvalInputNames = EvalInputNames()) throws -> EvalResult {
        try check(distances, "distance matrix")
        try checkCounts(distances.shape[0], distances.shape[1], queryIds, galleryIds, names)
        try checkOptions(options)
        guard options.rerank == nil, options.queryExpansion == nil else {
            throw EvalError("re-ranking and query expansion need features; pass query and gallery features instead of a distance matrix")
        }
        var timings: [String: Double] = [:]
        var result = try rank(distances, queryIds, galleryIds, options, &timings)
        result.timings = timings
        return result
    }

    static func rank(_ dist: Tensor, _ qi: ReidIds, _ gi: ReidIds, _ options: EvalOptions,
                     _ timings: inout [String: Double]) throws -> EvalResult {
        let metrics = try timed("ranking", &timings) {
            try RankEvaluation.evaluate(distances: dist.pointer, query: qi, gallery: gi, maxRank: options.maxRank)
        }
        let roc = options.rocFPRs.isEmpty ? [] : timed("roc", &timings) {
            ROC.tprAtFPR(distances: dist.pointer, query: qi, gallery: gi, fprs: options.rocFPRs)
        }
        return EvalResult(metrics: metrics, roc: roc, options: options)
    }

    static func timed<T>(_ name: String, _ timings: inout [String: Double], _ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try body()
        timings[name] = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        return r
    }

    static func check(_ x: Tensor, _ name: String) throws {
        guard x.rank == 2 else { throw EvalError("\(name): expected a 2-D (items × dimensions) array, got shape \(x.shape)") }
        guard x.shape[0] > 0 else { throw EvalError("\(name): no rows") }
        let p = x.pointer
        for i in 0..<x.count where !p[i].isFinite {
            let d = max(x.shape[1], 1)
            throw EvalError("\(name): non-finite value \(p[i]) at row \(i / d), column \(i % d); the features are broken (NaN/inf from the model?)")
        }
    }

    static func checkCounts(_ nq: Int, _ ng: Int, _ qi: ReidIds, _ gi: ReidIds, _ names: EvalInputNames) throws {
        guard nq == qi.count else {
            throw EvalError("\(names.query) have \(nq) rows but \(names.queryIds) has \(qi.count) entries; they must list the same items in the same order")
        }
        guard ng == gi.count else {
            throw EvalError("\(names.gallery) have \(ng) rows but \(names.galleryIds) has \(gi.count) entries; they must list the same items in the same order")
        }
    }

    static func checkOptions(_ o: EvalOptions) throws {
        guard o.maxRank >= 1 else { throw EvalError("maxRank must be ≥ 1 (got \(o.maxRank))") }
        for f in o.rocFPRs where !(f > 0 && f < 1) { throw EvalError("ROC FPR targets must lie in (0, 1); got \(f)") }
        if let r = o.rerank, r.k1 < 1 || r.k2 < 1 || !(0...1).contains(r.lambda) {
            throw EvalError("re-ranking needs k1 ≥ 1, k2 ≥ 1 and 0 ≤ λ ≤ 1 (got k1 \(r.k1), k2 \(r.k2), λ \(r.lambda))")
        }
        if let q = o.queryExpansion, q.k < 1 || q.times < 1 {
            throw EvalError("query expansion needs k ≥ 1 and times ≥ 1 (got k \(q.k), times \(q.times))")
        }
    }
}
