// When BLAS.sgemmSerial hands a product to the packing-free AVX-512 GEMM (CKernels,
// direct_gemm.c) instead of OpenBLAS: A·B (no transposes), alpha 1, beta 0 — the shape of every
// convolution forward (weights × image columns, and Winograd's U_ξ · V_ξ) — when B is narrow
// (N ≤ 64: OpenBLAS would spend as long packing A as multiplying) or A is small enough to stay
// in L2 while the column strips pass it (M·K ≤ 256 Ki floats). Wider products with a large A
// keep OpenBLAS, whose packed kernel is faster there (`reidkd-bench gemm`, direct rows).
// REIDKD_GEMM=openblas turns it off (A/B measurements, or a suspected kernel problem).
import Foundation
import CKernels

public enum DirectGEMM {
    /// The CPU has AVX-512 F and VL (with OS support) and REIDKD_GEMM does not say "openblas".
    nonisolated(unsafe) public static var enabled: Bool =
        supported && ProcessInfo.processInfo.environment["REIDKD_GEMM"] != "openblas"
    public static var supported: Bool { CPUFeatures.host.tier == .avx512 }
    /// Wide products (N > 16) with A up to this many floats (256 KiB) run in 24 × 16 tiles,
    /// larger ones in 12 × 32, which reads A half as often (A then comes from L2/L3, not L1).
    /// 24 × 16 runs at the FMA peak in cache, 12 × 32 at 55–80% of it; but with 24 × 16 for every
    /// size the r50 batch-1 forward at 128×64 ran 0.89× (large weight matrices streamed twice).
    /// Same results bit for bit.
    /// REIDKD_GEMM_STRIP16=<floats> sets it for A/B runs (-1: always 12 × 32, as before).
    nonisolated(unsafe) public static var strip16MaxA: Int =
        Int(ProcessInfo.processInfo.environment["REIDKD_GEMM_STRIP16"] ?? "") ?? (1 << 16)

    /// Largest A (M·K floats) taken at any width.
    static let smallA = 1 << 18
    /// Widest B taken at any size of A.
    static let narrowN = 64

    @inline(__always)
    static func takes(_ m: Int, _ n: Int, _ k: Int) -> Bool {
        enabled && (n <= narrowN || m * k <= smallA)
    }

    /// C (M×N) = A (M×K) · B (K×N), row-major; false (C untouched) when this build has no kernel.
    @inline(__always)
    public static func sgemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                             _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Bool {
        reidkd_direct_sgemm_nn(m, n, k, a, lda, b, ldb, c, ldc, strip16MaxA) != 0
    }

    /// Aᵀ·B products (A stored K×M) on the kernel too, under the same size rule as A·B: the
    /// conv backward's input gradients (Wᵀ·dy, U_ξᵀ·dM_ξ), which OpenBLAS ran with both operands
    /// packed. REIDKD_GEMM_TN=openblas keeps them on OpenBLAS (A/B runs).
    nonisolated(unsafe) public static var transposedA: Bool = ProcessInfo.processInfo.environment["REIDKD_GEMM_TN"] != "openblas"

    /// C (M×N) = Aᵀ · B, A stored K×M (lda ≥ M); false (C untouched) when this build has no kernel.
    @inline(__always)
    public static func sgemmTN(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                               _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Bool {
        reidkd_direct_sgemm_tn(m, n, k, a, lda, b, ldb, c, ldc) != 0
    }

    /// How ReidKD runs narrow GEMMs (reidkd info, reidkd-bench).
    public static var status: String {
        enabled ? "packing-free AVX-512 kernel for narrow A·B (N ≤ \(narrowN) or M·K ≤ \(smallA)), OpenBLAS otherwise"
            : supported ? "OpenBLAS only (REIDKD_GEMM=openblas)" : "OpenBLAS only (no AVX-512 on this CPU)"
    }
}
