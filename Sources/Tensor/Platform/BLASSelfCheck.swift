// A small GEMM self-check that guards the kernel choice: a few products of awkward shapes (tails
// in every dimension, all four transposes, β ≠ 0) against a plain double-precision loop. A kernel
// family that the CPU cannot run correctly — or a forced one that mis-handles a tail — shows up
// here as an error of order one, far above float rounding. Takes well under a millisecond.
import CBLAS

public enum BLASSelfCheck {
    public struct Result: Equatable, Sendable {
        public var passed: Bool
        /// Largest |C − reference| divided by Σ_k |a_ik·b_kj| (the rounding scale of that entry).
        public var worstRelativeError: Double
        public var cases: Int
    }

    /// Row-major sgemm signature: transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc.
    public typealias GEMM = (Bool, Bool, Int, Int, Int, Float, UnsafePointer<Float>, Int,
                             UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int) -> Void

    /// OpenBLAS's sgemm called directly (not through the parallel wrapper: one library call).
    public static let openBLAS: GEMM = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    static let shapes: [(m: Int, n: Int, k: Int)] = [(64, 64, 64), (67, 45, 83), (5, 129, 17), (33, 96, 260)]

    public static func run(_ gemm: GEMM = openBLAS) -> Result {
        var worst = 0.0, cases = 0
        var seed: UInt32 = 12345
        func next() -> Float {   // deterministic values in [-1, 1)
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: seed) >> 8) / Float(1 << 23)
        }
        for (m, n, k) in shapes {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let beta: Float = (ta && tb) ? 0.5 : 0
                let a = (0..<(m * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
                let c0 = (0..<(m * n)).map { _ in next() }
                var c = c0
                let lda = ta ? m : k, ldb = tb ? k : n
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            gemm(ta, tb, m, n, k, 1, ap.baseAddress!, lda, bp.baseAddress!, ldb, beta, cp.baseAddress!, n)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var ref = Double(beta) * Double(c0[i * n + j]), scale = abs(ref)
                        for p in 0..<k {
                            let x = Double(ta ? a[p * lda + i] : a[i * lda + p])
                            let y = Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                            ref += x * y; scale += abs(x * y)
                        }
                        let err = abs(Double(c[i * n + j]) - ref) / max(scale, 1e-30)
                        if !(err <= worst) { worst = err.isNaN ? .infinity : err }
                    }
                }
                cases += 1
            }
        }
        // float32 accumulation of k ≤ 260 products: rounding stays below ~k·ε relative to Σ|a·b|.
        return Result(passed: worst <= 1e-4, worstRelativeError: worst, cases: cases)
    }
}
