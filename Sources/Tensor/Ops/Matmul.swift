// Matrix products on sgemm. Layout: the last two dimensions are the matrix (rows, cols); one
// optional leading batch dimension. A batched left operand times a plain matrix folds into a
// single GEMM over all rows.

extension Tensor {
    /// Raw product op(a)·op(b) with batch handling; no graph. a: (…, M, K) or its transpose.
    static func matmulRaw(_ a: Tensor, transA: Bool, _ b: Tensor, transB: Bool) -> Tensor {
        guard a.rank >= 2 && a.rank <= 3 && b.rank >= 2 && b.rank <= 3 else {
            shapeFailure(ShapeError("matmul: operands must be 2-D or 3-D, got \(describe(a.shape)) and \(describe(b.shape))"))
        }
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transA ? (ac, ar) : (ar, ac)
        let (k2, n) = transB ? (bc, br) : (br, bc)
        guard k == k2 else {
            shapeFailure(ShapeError("matmul: inner dimensions differ: \(describe(a.shape))\(transA ? "ᵀ" : "") × \(describe(b.shape))\(transB ? "ᵀ" : "") (\(k) vs \(k2))"))
        }
        let batchA = a.rank == 3 ? a.shape[0] : 1, batchB = b.rank == 3 ? b.shape[0] : 1
        if a.rank == 3 && b.rank == 3 && batchA != batchB {
            shapeFailure(ShapeError("matmul: batch sizes differ: \(describe(a.shape)) × \(describe(b.shape))"))
        }
        let batched = a.rank == 3 || b.rank == 3
        let batch = Swift.max(batchA, batchB)
        let out = Tensor.empty(batched ? [batch, m, n] : [m, n])
        let (lda, ldb) = (ac, bc)
        if !batched || (a.rank == 3 && b.rank == 2 && !transA) {
            // One GEMM: (batch·M) × K times K × N.
            BLAS.sgemm(transA: transA, transB: transB, m: batch * m, n: n, k: k,
                       a: a.pointer, lda: lda, b: b.pointer, ldb: ldb, c: out.pointer, ldc: n)
        } else {
            let sa = a.rank == 3 ? ar * ac : 0, sb = b.rank == 3 ? br * bc : 0
            let ap = a.pointer, bp = b.pointer, cp = out.pointer
            Parallel.run(tasks: batch) { i in
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                           a: ap + i * sa, lda: lda, b: bp + i * sb, ldb: ldb, c: cp + i * m * n, ldc: n)
            }
        }
        return out
    }

    /// Matrix product a·b; a: (M, K) or (B, M, K), b: (K, N) or (B, K, N).
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = matmulRaw(a, transA: false, b, transB: false)
        if recording(a, b) {
            out.record("matmul", [a, b]) { g in
                var ga: Tensor? = nil, gb: Tensor? = nil
                if a.requiresGrad { ga = matmulRaw(g, transA: false, b, transB: true).sum(toShape: a.shape) }
                if b.requiresGrad {
                    if a.rank == 3 && b.rank == 2 {
                        // Sum over batch: (B·M, K)ᵀ × (B·M, N).
                        let m = a.shape[0] * a.shape[1]
                        gb = matmulRaw(a.reshaped([m, a.shape[2]]), transA: true, g.reshaped([m, g.shape[2]]), transB: false)
                    } else {
                        gb = matmulRaw(a, transA: true, g, transB: false).sum(toShape: b.shape)
                    }
                }
                return [ga, gb]
            }
        }
        return out
    }
}

/// Fully connected layer: y = x·Wᵀ + b with x (…, in), weight (out, in) [PyTorch layout], bias (out).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    guard weight.rank == 2, x.rank >= 1, x.shape[x.rank - 1] == weight.shape[1] else {
        shapeFailure(ShapeError("linear: input \(describe(x.shape)) does not match weight \(describe(weight.shape)) (expected last input dim \(weight.rank == 2 ? weight.shape[1] : -1))"))
    }
    if let b = bias, b.shape != [weight.shape[0]] {
        shapeFailure(ShapeError("linear: bias \(describe(b.shape)) does not match weight \(describe(weight.shape))"))
    }
    let inF = weight.shape[1], outF = weight.shape[0]
    let rows = x.count / Swift.max(inF, 1)
    let out = Tensor.empty(Array(x.shape.dropLast()) + [outF])
    BLAS.sgemm(transA: false, transB: true, m: rows, n: outF, k: inF,
               a: x.pointer, lda: inF, b: weight.pointer, ldb: inF, c: out.pointer, ldc: outF)
    if let b = bias {
        let o = out.pointer, bp = b.pointer
        Parallel.forRange(rows, grain: Swift.max(1, 16_384 / Swift.max(outF, 1))) { r in
            for i in r { let row = o + i * outF; for j in 0..<outF { row[j] += bp[j] } }
        }
    }
    var inputs = [x, weight]
    if let b = bias { inputs.append(b) }
    if Tensor.recording(inputs) {
        out.record("linear", inputs) { g in
            var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
            if x.requiresGrad {
                gx = Tensor.empty(x.shape)
                BLAS.sgemm(m: rows, n: inF, k: outF, a: g.pointer, lda: outF, b: weight.pointer, ldb: inF,
                           c: gx!.pointer, ldc: inF)
            }
            if weight.requiresGrad {
                gw = Tensor.empty(weight.shape)
                BLAS.sgemm(transA: true, m: outF, n: inF, k: rows, a: g.pointer, lda: outF, b: x.pointer, ldb: inF,
                           c: gw!.pointer, ldc: inF)
            }
            if let b = bias, b.requiresGrad { gb = g.reshaped([rows, outF]).sum(axes: [0]) }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }
    return out
}
