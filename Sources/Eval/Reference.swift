// Straightforward single-threaded implementations, transcribed line by line from the Python
// references (torchreid/FastReID `eval_market1501` in rank.py, `re_ranking` in rerank.py) with
// full sorts and dense matrices. They are the baselines `reidkd-bench eval` times in the same
// process, and an independent cross-check for the fast paths in tests. Not for production use.
import Foundation
import Tensor

public enum ReferenceEvaluation {
    /// rank.py `eval_market1501`: full stable argsort per query, keep mask, cumsum.
    public static func rankMetrics(distances: UnsafePointer<Float>, query: ReidIds, gallery: ReidIds,
                                   maxRank: Int = 50) throws -> RankMetrics {
        let nq = query.count, ng = gallery.count
        let maxRank = min(maxRank, ng)
        var cmcSum = [Double](repeating: 0, count: maxRank)
        var aps: [Double] = [], inps: [Double] = []
        for i in 0..<nq {
            let row = distances + i * ng
            let order = (0..<ng).sorted { row[$0] < row[$1] || (row[$0] == row[$1] && $0 < $1) }
            var raw: [Int] = []
            for j in order where !(gallery.pids[j] == query.pids[i] && gallery.camids[j] == query.camids[i]) {
                raw.append(gallery.pids[j] == query.pids[i] ? 1 : 0)
            }
            if !raw.contains(1) { continue }
            var cmc = [Int](repeating: 0, count: raw.count), run = 0
            for k in raw.indices { run += raw[k]; cmc[k] = run }
            let maxPos = raw.lastIndex(of: 1)!
            inps.append(Double(cmc[maxPos]) / Double(maxPos + 1))
            for k in 0..<min(maxRank, cmc.count) { cmcSum[k] += cmc[k] > 0 ? 1 : 0 }
            if cmc.count < maxRank { for k in cmc.count..<maxRank { cmcSum[k] += 1 } }
            var ap = 0.0
            for k in raw.indices where raw[k] == 1 { ap += Double(cmc[k]) / Double(k + 1) }
            aps.append(ap / Double(run))
        }
        guard !aps.isEmpty else { throw EvalError("no valid query") }
        let v = Double(aps.count)
        return RankMetrics(cmc: cmcSum.map { $0 / v }, mAP: aps.reduce(0, +) / v, mINP: inps.reduce(0, +) / v,
                           numQueries: nq, numValidQueries: aps.count, perQueryAP: nil)
    }

    /// ROC by sorting every kept pair: TPR at the largest threshold with FPR ≤ f.
    public static func tprAtFPR(distances: UnsafePointer<Float>, query: ReidIds, gallery: ReidIds, fprs: [Double]) -> [Double] {
        var pos: [Float] = [], neg: [Float] = []
        for i in 0..<query.count {
            for j in 0..<gallery.count {
                let d = distances[i * gallery.count + j]
                if gallery.pids[j] == query.pids[i] {
                    if gallery.camids[j] != query.camids[i] { pos.append(d) }
                } else { neg.append(d) }
            }
        }
        pos.sort(); neg.sort()
        return fprs.map { f in
            let m = Int((f * Double(neg.count)).rounded(.down))
            if m >= neg.count { return pos.isEmpty ? 0 : 1 }
            let t = neg[m]
            return Double(pos.filter { $0 < t }.count) / Double(max(pos.count, 1))
        }
    }

    /// rerank.py `re_ranking`, dense (Q+G)² matrices and full argsorts (ties by index).
    public static func reRanking(qg: Tensor, qq: Tensor, gg: Tensor, k1: Int = 20, k2: Int = 6, lambda: Float = 0.3) -> [[Float]] {
        let nq = qg.shape[0], ng = qg.shape[1], n = nq + ng
        // original_dist = concat, squared, transpose(D / column max) — D symmetric, so row max.
        var od = [[Float]](repeating: [Float](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n {
                let d: Float
                switch (i < nq, j < nq) {
                case (true, true): d = qq[i, j]
                case (true, false): d = qg[i, j - nq]
                case (false, true): d = qg[j, i - nq]
                case (false, false): d = gg[i - nq, j - nq]
                }
                od[i][j] = d * d
            }
        }
        var colMax = [Float](repeating: 0, count: n)
        for j in 0..<n { for i in 0..<n { colMax[j] = max(colMax[j], od[i][j]) } }
        var o = od
        for i in 0..<n { for j in 0..<n { o[i][j] = od[j][i] / (colMax[i] > 0 ? colMax[i] : 1) } }
        let initialRank = o.map { row in (0..<n).sorted { row[$0] < row[$1] || (row[$0] == row[$1] && $0 < $1) } }
        var v = [[Float]](repeating: [Float](repeating: 0, count: n), count: n)
        let half = Int((Double(k1) / 2).rounded(.toNearestOrEven))
        func reciprocal(_ i: Int, _ k: Int) -> [Int] {
            let forward = Array(initialRank[i].prefix(k + 1))
            return forward.filter { initialRank[$0].prefix(k + 1).contains(i) }
        }
        for i in 0..<n {
            let recip = reciprocal(i, k1)
            var expansion = recip
            for cand in recip {
                let c = reciprocal(cand, half)
                if Double(Set(c).intersection(recip).count) > 2.0 / 3.0 * Double(c.count) { expansion += c }
            }
            let idx = Array(Set(expansion)).sorted()
            let w = idx.map { Float(exp(Double(-o[i][$0]))) }
            let s = w.reduce(0, +)
            for (t, j) in idx.enumerated() { v[i][j] = w[t] / s }
        }
        if k2 != 1 {
            var vqe = v
            for i in 0..<n {
                let nb = Array(initialRank[i].prefix(k2))
                for j in 0..<n {
                    var s: Float = 0
                    for r in nb { s += v[r][j] }
                    vqe[i][j] = s / Float(nb.count)
                }
            }
            v = vqe
        }
        // invIndex[k] = rows with V[row, k] != 0; temp_min accumulated over them per query.
        var invIndex = [[Int]](repeating: [], count: n)
        for r in 0..<n { for k in 0..<n where v[r][k] != 0 { invIndex[k].append(r) } }
        var out = [[Float]](repeating: [Float](repeating: 0, count: ng), count: nq)
        for i in 0..<nq {
            var tmin = [Float](repeating: 0, count: n)
            for k in 0..<n where v[i][k] != 0 {
                for r in invIndex[k] { tmin[r] += min(v[i][k], v[r][k]) }
            }
            for j in 0..<ng {
                let jac = 1 - tmin[nq + j] / (2 - tmin[nq + j])
                out[i][j] = jac * (1 - lambda) + o[i][nq + j] * lambda
            }
        }
        return out
    }
}
