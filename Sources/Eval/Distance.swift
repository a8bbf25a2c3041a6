// Query × gallery distance matrices without gradients, for evaluation at dataset scale.
// Squared Euclidean is ‖q‖² + ‖g‖² − 2·q·g (clamped at 0 against rounding) and cosine is 1 − cos;
// both are one GEMM plus an epilogue. The output is cut into tiles of `rowBlock × colBlock`
// (128 × 2048 floats = 1 MiB, half the 2 MiB L2 here) so the epilogue runs while its tile is still
// in cache; tiles are spread over the workers, each calling single-threaded sgemm. Extra memory
// beyond the output is the norms (and, for cosine, one normalised copy of the inputs).
import Tensor

public enum DistanceMetric: String, Codable, CaseIterable, Sendable {
    /// 1 − cos(q, g) (FastReID's default test metric).
    case cosine
    /// Squared Euclidean distance (FastReID's "euclidean": no square root).
    case euclidean

    /// Parses a metric name, suggesting the valid ones on a typo.
    public static func parse(_ name: String) throws -> DistanceMetric {
        if let m = DistanceMetric(rawValue: name.lowercased()) { return m }
        throw EvalError("unknown metric '\(name)'; choose one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
    }
}

public enum Distance {
    static let rowBlock = 128
    static let colBlock = 2048

    /// Distances between the rows of `query` (M, D) and `gallery` (N, D): an (M, N) tensor.
    public static func compute(_ query: Tensor, _ gallery: Tensor, metric: DistanceMetric) -> Tensor {
        precondition(query.rank == 2 && gallery.rank == 2 && query.shape[1] == gallery.shape[1],
                     "Distance.compute: expected (M, D) and (N, D), got \(query.shape) and \(gallery.shape)")
        let m = query.shape[0], n = gallery.shape[0], d = query.shape[1]
        let out = Tensor.empty([m, n])
        compute(query.pointer, m, gallery.pointer, n, d, metric: metric, into: out.pointer)
        return out
    }

    /// Raw-pointer form: writes the (m, n) matrix into `out` (row stride n).
    public static func compute(_ q: UnsafePointer<Float>, _ m: Int, _ g: UnsafePointer<Float>, _ n: Int, _ d: Int,
                               metric: DistanceMetric, into out: UnsafeMutablePointer<Float>) {
        if m == 0 || n == 0 { return }
        switch metric {
        case .euclidean:
            let qn = squaredNorms(q, m, d), gn = squaredNorms(g, n, d)
            tiled(q, m, g, n, d, alpha: -2, out) { tile, rows, cols, ldc in
                for i in rows {
                    let row = tile + (i - rows.lowerBound) * ldc, a = qn[i]
                    for j in cols { row[j - cols.lowerBound] = max(0, row[j - cols.lowerBound] + a + gn[j]) }
                }
            }
        case .cosine:
            let qh = normalizedCopy(q, m, d), gh = normalizedCopy(g, n, d)
            defer { qh.deallocate(); gh.deallocate() }
            tiled(qh, m, gh, n, d, alpha: -1, out) { tile, rows, cols, ldc in
                for i in rows {
                    let row = tile + (i - rows.lowerBound) * ldc
                    for j in 0..<cols.count { row[j] += 1 }
                }
            }
        }
    }

    /// C = alpha · A·Bᵀ tile by tile, calling `epilogue(tilePointer, rows, cols, ldc)` on each.
    static func tiled(_ a: UnsafePointer<Float>, _ m: Int, _ b: UnsafePointer<Float>, _ n: Int, _ k: Int,
                      alpha: Float, _ c: UnsafeMutablePointer<Float>,
                      epilogue: (UnsafeMutablePointer<Float>, Range<Int>, Range<Int>, Int) -> Void) {
        let rt = (m + rowBlock - 1) / rowBlock, ct = (n + colBlock - 1) / colBlock
        Parallel.run(tasks: rt * ct) { t in
            let r0 = (t / ct) * rowBlock, c0 = (t % ct) * colBlock
            let rows = r0..<min(m, r0 + rowBlock), cols = c0..<min(n, c0 + colBlock)
            let tile = c + r0 * n + c0
            BLAS.sgemmSerial(false, true, rows.count, cols.count, k, alpha, a + r0 * k, k, b + c0 * k, k, 0, tile, n)
            epilogue(tile, rows, cols, n)
        }
    }

    static func squaredNorms(_ x: UnsafePointer<Float>, _ n: Int, _ d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            let op = o.baseAddress!
            Parallel.forRange(n, grain: 256) { r in
                for i in r {
                    var s: Float = 0
                    let row = x + i * d
                    for j in 0..<d { s += row[j] * row[j] }
                    op[i] = s
                }
            }
        }
        return out
    }

    /// Rows divided by max(‖row‖, 1e-12) (PyTorch F.normalize), in a new buffer the caller frees.
    static func normalizedCopy(_ x: UnsafePointer<Float>, _ n: Int, _ d: Int) -> UnsafeMutablePointer<Float> {
        let y = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * d))
        Parallel.forRange(n, grain: 256) { r in
            for i in r {
                let src = x + i * d, dst = y + i * d
                var s: Float = 0
                for j in 0..<d { s += src[j] * src[j] }
                let inv = 1 / max(s.squareRoot(), 1e-12)
                for j in 0..<d { dst[j] = src[j] * inv }
            }
        }
        return y
    }

    /// L2-normalised copy of an (N, D) tensor's rows.
    public static func l2Normalized(_ x: Tensor) -> Tensor {
        let n = x.shape[0], d = x.shape[1]
        let y = normalizedCopy(x.pointer, n, d)
        defer { y.deallocate() }
        let t = Tensor.empty([n, d])
        t.pointer.update(from: y, count: n * d)
        return t
    }
}
