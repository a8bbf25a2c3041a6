// α-query expansion (FastReID evaluation/query_expansion.py `aqe`): on query ∪ gallery, each
// feature is replaced by mean_t(cos_t^α · f_t) over its k most cosine-similar items — the item
// itself included, as FastReID's QE_K counts it — with raw features and weights from normalised
// ones; repeated `times` times; applied to both sides. Negative similarities get weight 0 (the
// reference's power would give NaN for a non-integer α); among equal similarities the lower index
// wins. Similarities are computed in row blocks (GEMM) and never stored whole, so memory stays at
// a few MiB per worker at Market-1501 scale.
import Foundation
import Tensor

public struct QueryExpansionOptions: Codable, Equatable, Sendable {
    public var k: Int
    public var alpha: Float
    public var times: Int
    public init(k: Int = EvalDefaults.qeK, alpha: Float = EvalDefaults.qeAlpha, times: Int = EvalDefaults.qeTimes) {
        self.k = k; self.alpha = alpha; self.times = times
    }
}

public enum QueryExpansion {
    static let rowBlock = 64

    /// Returns the expanded (query, gallery) features.
    public static func alpha(query: Tensor, gallery: Tensor, options: QueryExpansionOptions = QueryExpansionOptions()) -> (Tensor, Tensor) {
        precondition(query.rank == 2 && gallery.rank == 2 && query.shape[1] == gallery.shape[1],
                     "QueryExpansion: expected (Q, D) and (G, D), got \(query.shape) and \(gallery.shape)")
        precondition(options.k >= 1, "QueryExpansion: k must be ≥ 1")
        let nq = query.shape[0], ng = gallery.shape[0], d = query.shape[1], n = nq + ng
        var all = Tensor.empty([n, d])
        all.pointer.update(from: query.pointer, count: nq * d)
        (all.pointer + nq * d).update(from: gallery.pointer, count: ng * d)
        for _ in 0..<options.times { all = expandOnce(all, n, d, options) }
        let q = Tensor.empty([nq, d]), g = Tensor.empty([ng, d])
        q.pointer.update(from: all.pointer, count: nq * d)
        g.pointer.update(from: all.pointer + nq * d, count: ng * d)
        return (q, g)
    }

    static func expandOnce(_ x: Tensor, _ n: Int, _ d: Int, _ options: QueryExpansionOptions) -> Tensor {
        let k = min(options.k, n), alpha = Double(options.alpha)
        let normed = Distance.normalizedCopy(x.pointer, n, d)
        defer { normed.deallocate() }
        let out = Tensor.zeros([n, d])
        let xp = x.pointer, op = out.pointer
        let blocks = (n + rowBlock - 1) / rowBlock
        let workers = Parallel.parts(blocks, grain: 1)
        Parallel.run(tasks: workers) { w in
            let sims = UnsafeMutablePointer<Float>.allocate(capacity: rowBlock * n)
            defer { sims.deallocate() }
            var sel = TopK(capacity: k)
            for b in blocks * w / workers ..< blocks * (w + 1) / workers {
                let r0 = b * rowBlock, rows = min(rowBlock, n - r0)
                // −cos so that TopK's "smallest" are the most similar.
                BLAS.sgemmSerial(false, true, rows, n, d, -1, normed + r0 * d, d, normed, d, 0, sims, n)
                for r in 0..<rows {
                    let s = sims + r * n
                    sel.reset()
                    for j in 0..<n { sel.offer(s[j], j) }
                    let dst = op + (r0 + r) * d
                    for t in 0..<sel.count {
                        let j = Int(sel.indices[t])
                        let weight = Float(Foundation.pow(Double(max(0, -sel.values[t])), alpha)) / Float(k)
                        let src = xp + j * d
                        for c in 0..<d { dst[c] += weight * src[c] }
                    }
                }
            }
        }
        return out
    }
}
