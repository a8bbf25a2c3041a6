// Row-major SGEMM on OpenBLAS. OpenBLAS itself is kept single-threaded; large products are split
// over `Parallel.threads` workers along M or N (each worker calls single-threaded sgemm on its
// block), which measured as fast as OpenBLAS's own threads here and composes with our kernels.
import CBLAS

public enum BLAS {
    nonisolated(unsafe) private static var configured = false

    /// Sets OpenBLAS to one thread per call (idempotent). Called by every wrapper.
    @inline(__always)
    public static func configure() {
        if !configured { openblas_set_num_threads(1); configured = true }
    }

    /// Lets benchmarks measure OpenBLAS's own threading (the sgemm reference figure).
    public static func setLibraryThreads(_ n: Int) {
        openblas_set_num_threads(Int32(n))
        configured = true
    }

    /// C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, all row-major.
    /// op(A) = A (stored M×K, lda ≥ K) or Aᵀ (stored K×M, lda ≥ M); likewise for B.
    public static func sgemm(transA: Bool = false, transB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        configure()
        if m == 0 || n == 0 { return }
        let work = m * n * k
        let parts = work >= 1 << 21 ? Parallel.parts(max(m, n), grain: 32) : 1
        if parts <= 1 {
            sgemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if m >= n {
            Parallel.run(tasks: parts) { p in
                let i0 = m * p / parts, i1 = m * (p + 1) / parts
                let ap = transA ? a + i0 : a + i0 * lda
                sgemmSerial(transA, transB, i1 - i0, n, k, alpha, ap, lda, b, ldb, beta, c + i0 * ldc, ldc)
            }
        } else {
            Parallel.run(tasks: parts) { p in
                let j0 = n * p / parts, j1 = n * (p + 1) / parts
                let bp = transB ? b + j0 * ldb : b + j0
                sgemmSerial(transA, transB, m, j1 - j0, k, alpha, a, lda, bp, ldb, beta, c + j0, ldc)
            }
        }
    }

    /// One single-threaded sgemm call (for use inside parallel regions).
    @inline(__always)
    public static func sgemmSerial(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                   _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                   _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                   _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        configure()
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched when k = 0 only if beta = 1; make the contract explicit.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if bf16Depth > 0 {
            BF16GEMM.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if !transA && !transB && alpha == 1 && beta == 0 && DirectGEMM.takes(m, n, k)
            && DirectGEMM.sgemm(m, n, k, a, lda, b, ldb, c, ldc) { return }
        if transA && !transB && alpha == 1 && beta == 0 && DirectGEMM.transposedA && DirectGEMM.takes(m, n, k)
            && DirectGEMM.sgemmTN(m, n, k, a, lda, b, ldb, c, ldc) { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
