// k-reciprocal re-ranking (Zhong et al., CVPR 2017) with the semantics of the reference
// `re_ranking(q_g_dist, q_q_dist, g_g_dist, k1, k2, lambda_value)` (person-re-ranking, copied into
// FastReID as evaluation/rerank.py):
//   D = [[qq, qg], [qgᵀ, gg]] squared, each row divided by its maximum → O;
//   R(i) = k1-reciprocal neighbours of i among its k1+1 nearest (self included); expanded by the
//   round(k1/2)-reciprocal set of each member when more than 2/3 of that set lies in R(i);
//   V[i, R*(i)] = softmax(−O[i, R*(i)]); local query expansion V[i] = mean of V over i's k2 nearest;
//   Jaccard d_J(i, j) = 1 − Σmin(V_i, V_j) ÷ (2 − Σmin(V_i, V_j));
//   result = (1 − λ)·d_J + λ·O, query rows × gallery columns.
// Ties in the neighbour lists are broken by index (the reference's argsort leaves them to
// quicksort). qq and gg are taken as symmetric, as distance matrices are.
//
// Unlike the reference, nothing (Q+G)² is materialised besides the input gg: neighbour lists are
// partial selections, V is sparse (a few dozen entries per row) and the Jaccard term walks an
// inverted index of V's gallery rows, so Market-1501 scale (19,281 items) fits in a few GiB.
// Rows are processed in parallel; every per-row sum runs in the reference's order.
import Foundation
import Tensor

public struct ReRankOptions: Codable, Equatable, Sendable {
    public var k1: Int
    public var k2: Int
    public var lambda: Float
    public init(k1: Int = EvalDefaults.rerankK1, k2: Int = EvalDefaults.rerankK2, lambda: Float = EvalDefaults.rerankLambda) {
        self.k1 = k1; self.k2 = k2; self.lambda = lambda
    }
}

public enum ReRanking {
    /// Re-ranks from features: distances qg, qq, gg are computed with `metric` first.
    public static func kReciprocal(query: Tensor, gallery: Tensor, metric: DistanceMetric,
                                   options: ReRankOptions = ReRankOptions()) -> Tensor {
        let qg = Distance.compute(query, gallery, metric: metric)
        let qq = Distance.compute(query, query, metric: metric)
        let gg = Distance.compute(gallery, gallery, metric: metric)
        return kReciprocal(qg: qg, qq: qq, gg: gg, options: options)
    }

    /// Re-ranks a (Q, G) distance matrix given the (Q, Q) and (G, G) ones; returns (Q, G).
    public static func kReciprocal(qg: Tensor, qq: Tensor, gg: Tensor, options: ReRankOptions = ReRankOptions()) -> Tensor {
        let nq = qg.shape[0], ng = qg.shape[1], n = nq + ng
        precondition(qq.shape == [nq, nq] && gg.shape == [ng, ng],
                     "ReRanking: expected qg (Q, G), qq (Q, Q), gg (G, G); got \(qg.shape), \(qq.shape), \(gg.shape)")
        precondition(options.k1 >= 1 && options.k2 >= 1, "ReRanking: k1 and k2 must be ≥ 1")
        let out = Tensor.empty([nq, ng])
        if nq == 0 || ng == 0 { return out }
        let gq = transpose(qg.pointer, nq, ng)
        defer { gq.deallocate() }
        let qqP = qq.pointer, qgP = qg.pointer, ggP = gg.pointer
        // The two halves of row i of D.
        @inline(__always) func halves(_ i: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>) {
            i < nq ? (UnsafePointer(qqP + i * nq), UnsafePointer(qgP + i * ng))
                   : (UnsafePointer(gq + (i - nq) * nq), UnsafePointer(ggP + (i - nq) * ng))
        }
        let k1 = options.k1, k2 = options.k2
        let forwardCount = min(k1 + 1, n)
        let half = Int((Double(k1) / 2).rounded(.toNearestOrEven))   // np.around rounds half to even
        let halfCount = min(half + 1, n)
        let top = max(forwardCount, min(k2, n))
        let maxSq = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let ranks = UnsafeMutablePointer<Int32>.allocate(capacity: n * top)
        defer { maxSq.deallocate(); ranks.deallocate() }

        // Normalised squared distance O[i, j], exactly as the reference computes it in float32.
        @inline(__always) func o(_ i: Int, _ j: Int) -> Float {
            let (a, b) = halves(i)
            let d = j < nq ? a[j] : b[j - nq]
            return (d * d) / maxSq[i]
        }

        // 1. Row maxima and the `top` nearest neighbours of every item (partial selection).
        Parallel.forRange(n, grain: 16) { rows in
            var sel = TopK(capacity: top)
            for i in rows {
                let (a, b) = halves(i)
                var m: Float = 0
                for j in 0..<nq { m = max(m, a[j] * a[j]) }
                for j in 0..<ng { m = max(m, b[j] * b[j]) }
                maxSq[i] = m > 0 ? m : 1
                let inv = maxSq[i]
                sel.reset()
                for j in 0..<nq { sel.offer((a[j] * a[j]) / inv, j) }
                for j in 0..<ng { sel.offer((b[j] * b[j]) / inv, nq + j) }
                sel.write(to: ranks + i * top)
            }
        }
        @inline(__always) func inTop(_ row: Int, _ count: Int, _ x: Int32) -> Bool {
            let r = ranks + row * top
            for t in 0..<count where r[t] == x { return true }
            return false
        }

        // 2. Sparse V rows: softmax of −O over the expanded k-reciprocal set.
        var vIndex = [[Int32]](repeating: [], count: n), vValue = [[Float]](repeating: [], count: n)
        vIndex.withUnsafeMutableBufferPointer { vi in vValue.withUnsafeMutableBufferPointer { vv in
            Parallel.forRange(n, grain: 16) { rows in
                for i in rows {
                    let me = Int32(i)
                    var recip: [Int32] = []
                    for t in 0..<forwardCount {
                        let f = ranks[i * top + t]
                        if inTop(Int(f), forwardCount, me) { recip.append(f) }
                    }
                    var expansion = recip
                    for cand in recip {
                        var candRecip: [Int32] = []
                        for t in 0..<halfCount {
                            let f = ranks[Int(cand) * top + t]
                            if inTop(Int(f), halfCount, cand) { candRecip.append(f) }
                        }
                        let overlap = candRecip.reduce(0) { $0 + (recip.contains($1) ? 1 : 0) }
                        if Double(overlap) > 2.0 / 3.0 * Double(candRecip.count) { expansion += candRecip }
                    }
                    let idx = Array(Set(expansion)).sorted()
                    var w = idx.map { Float(Foundation.exp(Double(-o(i, Int($0))))) }
                    let s = w.reduce(0, +)
                    for t in w.indices { w[t] /= s }
                    vi[i] = idx; vv[i] = w
                }
            }
        }}

        // 3. Local query expansion: V[i] ← mean of V over i's k2 nearest (sparse rows, sorted).
        if k2 != 1 {
            let k2c = min(k2, n)
            var qIndex = [[Int32]](repeating: [], count: n), qValue = [[Float]](repeating: [], count: n)
            qIndex.withUnsafeMutableBufferPointer { qi in qValue.withUnsafeMutableBufferPointer { qv in
                Parallel.forRange(n, grain: 16) { rows in
                    var acc = [Float](repeating: 0, count: n), touched = [Bool](repeating: false, count: n)
                    for i in rows {
                        var used: [Int32] = []
                        for t in 0..<k2c {
                            let r = Int(ranks[i * top + t])
                            for (k, v) in zip(vIndex[r], vValue[r]) {
                                if !touched[Int(k)] { touched[Int(k)] = true; used.append(k) }
                                acc[Int(k)] += v
                            }
                        }
                        used.sort()
                        qi[i] = used
                        qv[i] = used.map { acc[Int($0)] / Float(k2c) }
                        for k in used { acc[Int(k)] = 0; touched[Int(k)] = false }
                    }
                }
            }}
            vIndex = qIndex; vValue = qValue
        }

        // 4. Inverted index of the gallery rows of V: for column k, (gallery row, V value) pairs.
        var start = [Int](repeating: 0, count: n + 1)
        for j in nq..<n { for k in vIndex[j] { start[Int(k) + 1] += 1 } }
        for k in 0..<n { start[k + 1] += start[k] }
        var fill = start
        var invRow = [Int32](repeating: 0, count: start[n]), invVal = [Float](repeating: 0, count: start[n])
        for j in nq..<n {
            for (k, v) in zip(vIndex[j], vValue[j]) {
                invRow[fill[Int(k)]] = Int32(j - nq); invVal[fill[Int(k)]] = v; fill[Int(k)] += 1
            }
        }

        // 5. Jaccard distance of each query to the gallery, blended with O.
        let lambda = options.lambda, outP = out.pointer
        Parallel.forRange(nq, grain: 4) { rows in
            var tmin = [Float](repeating: 0, count: ng)
            for i in rows {
                for j in 0..<ng { tmin[j] = 0 }
                for (k, v) in zip(vIndex[i], vValue[i]) {
                    for e in start[Int(k)]..<start[Int(k) + 1] {
                        tmin[Int(invRow[e])] += min(v, invVal[e])
                    }
                }
                let row = outP + i * ng
                for j in 0..<ng {
                    let jac = 1 - tmin[j] / (2 - tmin[j])
                    row[j] = jac * (1 - lambda) + o(i, nq + j) * lambda
                }
            }
        }
        return out
    }

    /// Blocked transpose of a row-major (r, c) matrix into a new (c, r) buffer.
    static func transpose(_ x: UnsafePointer<Float>, _ r: Int, _ c: Int) -> UnsafeMutablePointer<Float> {
        let y = UnsafeMutablePointer<Float>.allocate(capacity: max(1, r * c))
        let b = 64
        let colBlocks = (c + b - 1) / b
        Parallel.forRange(colBlocks, grain: 1) { blocks in
            for cb in blocks {
                let j0 = cb * b, j1 = min(c, j0 + b)
                var i0 = 0
                while i0 < r {
                    let i1 = min(r, i0 + b)
                    for j in j0..<j1 { for i in i0..<i1 { y[j * r + i] = x[i * c + j] } }
                    i0 = i1
                }
            }
        }
        return y
    }
}
