// CMC, mAP and mINP under the Market-1501 protocol (FastReID/torchreid `eval_market1501`):
// the gallery is ranked by distance, ties broken by gallery index; gallery items with the query's
// pid AND camera are removed; a query with no remaining positive is skipped (and counted).
//
// No sort: per query, one pass collects the positives (a handful), which are sorted by
// (distance, index); a second pass counts, for each positive, the negatives ranked before it —
// any negative ranked after the last positive costs one comparison. That gives every positive's
// 1-based rank among the kept items, which is all CMC (first positive), AP (every positive) and
// INP (last positive) need. Queries are spread over the workers; per-query values are summed in
// query order afterwards so results do not depend on the thread count.
import Tensor

public struct RankMetrics: Codable, Equatable, Sendable {
    /// CMC curve: cmc[k] = fraction of valid queries with a positive in the top k+1.
    public var cmc: [Double]
    public var mAP: Double
    public var mINP: Double
    public var numQueries: Int
    public var numValidQueries: Int
    /// Queries skipped because no positive remained after the same-pid-same-camera removal.
    public var numSkippedQueries: Int { numQueries - numValidQueries }
    /// Per-query AP and INP (NaN-free: skipped queries are absent), in query order.
    public var perQueryAP: [Double]?

    public func rank(_ k: Int) -> Double { k >= 1 && k <= cmc.count ? cmc[k - 1] : (cmc.last ?? 0) }
}

/// A (distance, gallery index) ranking key; the index breaks ties.
@inline(__always) func ranksBefore(_ d: Float, _ j: Int, _ e: Float, _ k: Int) -> Bool {
    d < e || (d == e && j < k)
}

public enum RankEvaluation {
    /// Evaluates a row-major (numQuery × numGallery) distance matrix.
    public static func evaluate(distances: UnsafePointer<Float>, query: ReidIds, gallery: ReidIds,
                                maxRank: Int = 50, keepPerQuery: Bool = false) throws -> RankMetrics {
        let nq = query.count, ng = gallery.count
        guard ng > 0 else { throw EvalError("the gallery is empty") }
        let maxRank = min(maxRank, ng)
        // Per query: AP, INP and first-positive rank (0 = skipped).
        var ap = [Double](repeating: 0, count: nq), inp = ap
        var first = [Int](repeating: 0, count: nq)
        let gp = gallery.pids, gc = gallery.camids, qp = query.pids, qc = query.camids
        ap.withUnsafeMutableBufferPointer { apb in inp.withUnsafeMutableBufferPointer { inpb in first.withUnsafeMutableBufferPointer { fb in
            let apP = apb.baseAddress!, inpP = inpb.baseAddress!, fP = fb.baseAddress!
            gp.withUnsafeBufferPointer { gpb in gc.withUnsafeBufferPointer { gcb in
                let gpids = gpb.baseAddress!, gcams = gcb.baseAddress!
                Parallel.forRange(nq, grain: 8) { range in
                    var posD: [Float] = [], posJ: [Int] = [], before: [Int] = []
                    for i in range {
                        let row = distances + i * ng, pid = qp[i], cam = qc[i]
                        posD.removeAll(keepingCapacity: true); posJ.removeAll(keepingCapacity: true)
                        for j in 0..<ng where gpids[j] == pid && gcams[j] != cam {
                            posD.append(row[j]); posJ.append(j)
                        }
                        let p = posD.count
                        if p == 0 { continue }
                        // Sort the positives by (distance, index): insertion sort, p is small.
                        for a in 1..<p {
                            let d = posD[a], j = posJ[a]
                            var b = a
                            while b > 0 && ranksBefore(d, j, posD[b - 1], posJ[b - 1]) {
                                posD[b] = posD[b - 1]; posJ[b] = posJ[b - 1]; b -= 1
                            }
                            posD[b] = d; posJ[b] = j
                        }
                        before = [Int](repeating: 0, count: p)
                        let lastD = posD[p - 1], lastJ = posJ[p - 1]
                        posD.withUnsafeBufferPointer { pd in posJ.withUnsafeBufferPointer { pj in
                            for j in 0..<ng where gpids[j] != pid {
                                let d = row[j]
                                if !ranksBefore(d, j, lastD, lastJ) { continue }
                                // Number of positives ranked before this negative (binary search).
                                var lo = 0, hi = p - 1
                                while lo < hi {
                                    let mid = (lo + hi) / 2
                                    if ranksBefore(pd[mid], pj[mid], d, j) { lo = mid + 1 } else { hi = mid }
                                }
                                before[lo] += 1
                            }
                        }}
                        var negatives = 0, sumPrecision = 0.0, lastRank = 0
                        for k in 0..<p {
                            negatives += before[k]
                            let rank = k + 1 + negatives
                            if k == 0 { fP[i] = rank }
                            sumPrecision += Double(k + 1) / Double(rank)
                            lastRank = rank
                        }
                        apP[i] = sumPrecision / Double(p)
                        inpP[i] = Double(p) / Double(lastRank)
                    }
                }
            }}
        }}}
        return try summarize(ap: ap, inp: inp, firstRank: first, maxRank: maxRank, keepPerQuery: keepPerQuery)
    }

    /// Averages per-query values in query order (skipped queries have firstRank 0).
    static func summarize(ap: [Double], inp: [Double], firstRank: [Int], maxRank: Int, keepPerQuery: Bool) throws -> RankMetrics {
        var hits = [Int](repeating: 0, count: maxRank + 1)
        var valid = 0, sumAP = 0.0, sumINP = 0.0
        var perQuery: [Double] = []
        for i in firstRank.indices where firstRank[i] > 0 {
            valid += 1
            sumAP += ap[i]; sumINP += inp[i]
            if firstRank[i] <= maxRank { hits[firstRank[i] - 1] += 1 }
            if keepPerQuery { perQuery.append(ap[i]) }
        }
        guard valid > 0 else {
            throw EvalError("no query has a positive in the gallery after removing same-pid-same-camera items (all \(firstRank.count) queries skipped); check that the query and gallery ids match and that camids differ")
        }
        var cmc = [Double](repeating: 0, count: maxRank), running = 0
        for k in 0..<maxRank { running += hits[k]; cmc[k] = Double(running) / Double(valid) }
        return RankMetrics(cmc: cmc, mAP: sumAP / Double(valid), mINP: sumINP / Double(valid),
                           numQueries: firstRank.count, numValidQueries: valid,
                           perQueryAP: keepPerQuery ? perQuery : nil)
    }
}
