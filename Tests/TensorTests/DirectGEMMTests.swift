import XCTest
@testable import Tensor

/// The packing-free AVX-512 GEMM (CKernels/direct_gemm.c) behind BLAS.sgemmSerial: every tile
/// shape and edge (row tails 1–11, column tails, N ≤ 16, strided operands) against a Double
/// reference, C's padding untouched, and the result independent of how the product is split.
final class DirectGEMMTests: XCTestCase {
    func kernelOrSkip() throws {
        guard DirectGEMM.supported else { throw XCTSkip("no AVX-512 (F, VL) on this CPU: the direct GEMM is never used") }
    }

    /// C = A·B through the kernel, with lda, ldb, ldc wider than the matrices (padding = NaN
    /// sentinels that must neither be read into C nor overwritten).
    func product(_ m: Int, _ n: Int, _ k: Int, seed: UInt64) -> (c: [Float], ref: [Double], mag: [Double], padIntact: Bool) {
        var rng = RandomGenerator(seed: seed)
        let lda = k + 3, ldb = n + 5, ldc = n + 2
        var a = [Float](repeating: .nan, count: m * lda), b = [Float](repeating: .nan, count: k * ldb)
        for i in 0..<m { for p in 0..<k { a[i * lda + p] = rng.normal() } }
        for p in 0..<k { for j in 0..<n { b[p * ldb + j] = rng.normal() } }
        var c = [Float](repeating: .nan, count: m * ldc)
        let ran = DirectGEMM.sgemm(m, n, k, a, lda, b, ldb, &c, ldc)
        XCTAssertTrue(ran, "x86-64 build without the kernel")
        var ref = [Double](repeating: 0, count: m * n), mag = ref
        for i in 0..<m { for j in 0..<n { for p in 0..<k {
            let t = Double(a[i * lda + p]) * Double(b[p * ldb + j])
            ref[i * n + j] += t; mag[i * n + j] += abs(t)
        } } }
        let pad = (0..<m).allSatisfy { i in (n..<ldc).allSatisfy { c[i * ldc + $0].isNaN } }
        let out = (0..<m).flatMap { i in c[(i * ldc)..<(i * ldc + n)] }
        return (out, ref, mag, pad)
    }

    func testAgainstDoubleReference() throws {
        try kernelOrSkip()
        let saved = DirectGEMM.strip16MaxA
        defer { DirectGEMM.strip16MaxA = saved }
        // Both tilings of wide products: 24 × 16 and 12 × 32.
        for maxA in [Int.max, -1] {
            DirectGEMM.strip16MaxA = maxA
            try checkAgainstDoubleReference()
        }
    }

    func checkAgainstDoubleReference() throws {
        // M: every tail after 24-, 12-, 8-, 4-row tiles; N: ≤ 8, ≤ 16, one and two vectors, ragged
        // strips; K: 1 and long.
        for (s, (m, n, k)) in [(1, 1, 1), (25, 16, 7), (23, 9, 33), (37, 17, 5), (13, 31, 64), (11, 32, 1),
                               (12, 33, 19), (3, 70, 130), (29, 100, 9), (64, 8, 300),
                               (30, 5, 40), (25, 8, 3), (49, 1, 17), (55, 47, 21), (28, 18, 9)].enumerated() {
            let r = product(m, n, k, seed: UInt64(40 + s))
            XCTAssertTrue(r.padIntact, "\(m)×\(n)×\(k): wrote outside C")
            for i in 0..<(m * n) {
                // float32 accumulation over k terms: error ≤ k·ε·Σ|terms| (loose bound)
                let bound = Double(k) * 1.2e-7 * r.mag[i] + 1e-30
                XCTAssertLessThanOrEqual(abs(Double(r.c[i]) - r.ref[i]), bound, "\(m)×\(n)×\(k) element \(i)")
                if abs(Double(r.c[i]) - r.ref[i]) > bound { break }
            }
        }
    }

    /// Aᵀ·B with A stored K×M (lda > M, NaN padding): row tails after 24-, 8-, 4-row tiles,
    /// ragged column strips, K = 1 and long; against a Double reference; and routed there by
    /// BLAS.sgemmSerial, split over rows and columns, bit for bit the same as one call.
    func testTransposedAAgainstDoubleReference() throws {
        try kernelOrSkip()
        for (s, (m, n, k)) in [(1, 1, 1), (25, 16, 7), (23, 9, 33), (37, 17, 5), (13, 31, 64), (29, 100, 9),
                               (64, 8, 300), (49, 1, 17), (55, 47, 21), (28, 18, 9)].enumerated() {
            var rng = RandomGenerator(seed: UInt64(70 + s))
            let lda = m + 3, ldb = n + 5, ldc = n + 2
            var a = [Float](repeating: .nan, count: k * lda), b = [Float](repeating: .nan, count: k * ldb)
            for p in 0..<k { for i in 0..<m { a[p * lda + i] = rng.normal() } }
            for p in 0..<k { for j in 0..<n { b[p * ldb + j] = rng.normal() } }
            var c = [Float](repeating: .nan, count: m * ldc)
            XCTAssertTrue(DirectGEMM.sgemmTN(m, n, k, a, lda, b, ldb, &c, ldc))
            for i in 0..<m {
                for j in 0..<n {
                    var ref = 0.0, mag = 0.0
                    for p in 0..<k { let t = Double(a[p * lda + i]) * Double(b[p * ldb + j]); ref += t; mag += abs(t) }
                    XCTAssertLessThanOrEqual(abs(Double(c[i * ldc + j]) - ref), Double(k) * 1.2e-7 * mag + 1e-30, "\(m)×\(n)×\(k) (\(i), \(j))")
                }
                XCTAssertTrue((n..<ldc).allSatisfy { c[i * ldc + $0].isNaN }, "\(m)×\(n)×\(k): wrote outside C")
            }
            // Through BLAS.sgemmSerial, in two row blocks and two column blocks.
            var parts = [Float](repeating: 0, count: m * ldc)
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in parts.withUnsafeMutableBufferPointer { cp in
                for (i0, i1) in [(0, m / 2), (m / 2, m)] { for (j0, j1) in [(0, n / 3), (n / 3, n)] {
                    BLAS.sgemmSerial(true, false, i1 - i0, j1 - j0, k, 1, ap.baseAddress! + i0, lda, bp.baseAddress! + j0, ldb,
                                     0, cp.baseAddress! + i0 * ldc + j0, ldc)
                } }
            } } }
            for i in 0..<m { for j in 0..<n { XCTAssertEqual(parts[i * ldc + j].bitPattern, c[i * ldc + j].bitPattern) } }
        }
    }

    /// Each element is one in-order sum over k, so rows and columns computed in separate calls
    /// (as chunked or split convolutions do) are bit-identical to one call.
    func testSplitProductsAreBitIdentical() throws {
        try kernelOrSkip()
        var rng = RandomGenerator(seed: 3)
        let (m, n, k) = (30, 90, 77)
        let a = (0..<(m * k)).map { _ in rng.normal() }, b = (0..<(k * n)).map { _ in rng.normal() }
        var whole = [Float](repeating: 0, count: m * n), parts = whole
        _ = DirectGEMM.sgemm(m, n, k, a, k, b, n, &whole, n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in parts.withUnsafeMutableBufferPointer { cp in
            for (i0, i1) in [(0, 7), (7, 30)] { for (j0, j1) in [(0, 13), (13, 50), (50, 90)] {
                _ = DirectGEMM.sgemm(i1 - i0, j1 - j0, k, ap.baseAddress! + i0 * k, k, bp.baseAddress! + j0, n,
                                     cp.baseAddress! + i0 * n + j0, n)
            } }
        } } }
        XCTAssertEqual(whole, parts)
        // The two tilings of wide products: the same in-order sums, so the same bits.
        let saved = DirectGEMM.strip16MaxA
        defer { DirectGEMM.strip16MaxA = saved }
        for maxA in [Int.max, -1] {
            DirectGEMM.strip16MaxA = maxA
            var other = [Float](repeating: 0, count: m * n)
            _ = DirectGEMM.sgemm(m, n, k, a, k, b, n, &other, n)
            XCTAssertEqual(whole, other)
        }
    }

    /// BLAS.sgemmSerial routes A·B with alpha 1, beta 0 to the kernel only where it pays; the
    /// others (transposes, beta ≠ 0) stay on OpenBLAS and agree with it.
    func testRouting() throws {
        try kernelOrSkip()
        XCTAssertTrue(DirectGEMM.takes(256, 32, 2304), "narrow B: batch-1 conv")
        XCTAssertTrue(DirectGEMM.takes(64, 4096, 576), "small A")
        XCTAssertFalse(DirectGEMM.takes(256, 512, 2304), "wide B and a large A: OpenBLAS")
        let saved = DirectGEMM.enabled
        defer { DirectGEMM.enabled = saved }
        var rng = RandomGenerator(seed: 9)
        let (m, n, k) = (20, 40, 50)
        let a = Tensor.randn([m, k], rng: &rng), b = Tensor.randn([k, n], rng: &rng)
        let results: [[Float]] = [true, false].map { on in
            DirectGEMM.enabled = on
            let c = Tensor.zeros([m, n])
            BLAS.sgemmSerial(false, false, m, n, k, 1, a.pointer, k, b.pointer, n, 0, c.pointer, n)
            return c.scalars
        }
        for (x, y) in zip(results[0], results[1]) { XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(y))) }
    }
}
