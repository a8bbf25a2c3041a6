import XCTest
@testable import Tensor

/// The optional bf16 GEMM path (BLAS.withBF16): rounding, the four transpose cases against a
/// Double reference within bf16's error, and the float32 fallback where no kernel exists.
final class BF16GEMMTests: XCTestCase {
    func testRoundToNearestEven() {
        // 1 + 2⁻⁸ lies halfway between two bf16 values: ties go to the even one (1.0); a hair
        // above rounds up; NaN stays NaN; the largest finite float rounds to +∞ as in hardware.
        let src: [Float] = [1, 1 + 0x1p-8, 1 + 0x1p-8 + 0x1p-20, 1 + 3 * 0x1p-8, -2.5, .infinity, .nan, .greatestFiniteMagnitude]
        var dst = [UInt16](repeating: 0, count: src.count)
        src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { d in
            BF16GEMM.convert(s.baseAddress!, ld: src.count, rows: 1, cols: src.count, to: d.baseAddress!)
        } }
        func back(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }
        XCTAssertEqual(back(dst[0]), 1)
        XCTAssertEqual(back(dst[1]), 1)
        XCTAssertEqual(back(dst[2]), 1 + 0x1p-7)
        XCTAssertEqual(back(dst[3]), 1 + 0x1p-6)   // tie between 1 + 2⁻⁷ and 1 + 2·2⁻⁷: the even one
        XCTAssertEqual(back(dst[4]), -2.5)
        XCTAssertEqual(back(dst[5]), .infinity)
        XCTAssertTrue(back(dst[6]).isNaN)
        XCTAssertEqual(back(dst[7]), .infinity)
    }

    func testProductsAgainstDoubleReference() throws {
        guard BF16GEMM.isAvailable else { throw XCTSkip("no bf16 GEMM here: \(BF16GEMM.status)") }
        var rng = RandomGenerator(seed: 11)
        let (m, n, k) = (37, 70, 129)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = Tensor.randn(ta ? [k, m] : [m, k], rng: &rng), b = Tensor.randn(tb ? [n, k] : [k, n], rng: &rng)
            let c = Tensor.full([m, n], 0.5)
            BLAS.withBF16 {
                BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 2, a: a.pointer, lda: ta ? m : k,
                           b: b.pointer, ldb: tb ? k : n, beta: 1, c: c.pointer, ldc: n)
            }
            var worst = 0.0, exactWorst = 0.0
            for i in 0..<m { for j in 0..<n {
                var ref = 0.0, mag = 0.0
                for p in 0..<k {
                    let x = Double(ta ? a.pointer[p * m + i] : a.pointer[i * k + p])
                    let y = Double(tb ? b.pointer[j * k + p] : b.pointer[p * n + j])
                    ref += x * y; mag += abs(x * y)
                }
                let err = abs(Double(c.pointer[i * n + j]) - (2 * ref + 0.5)) / (2 * mag)
                worst = max(worst, err)
                exactWorst = max(exactWorst, abs(ref) / mag)
            } }
            // Two bf16 roundings per product (relative 2⁻⁸ each) bound the error by ≈ 2⁻⁷ of Σ|xy|.
            XCTAssertLessThan(worst, 0x1p-7, "transA \(ta) transB \(tb)")
            // and bf16 really ran: float32 would be near 1e-7.
            XCTAssertGreaterThan(worst, 1e-5, "transA \(ta) transB \(tb): the product looks float32")
        }
    }

    func testDisabledScopeIsFloat32() {
        var rng = RandomGenerator(seed: 12)
        let a = Tensor.randn([16, 32], rng: &rng), b = Tensor.randn([32, 8], rng: &rng)
        let c1 = Tensor.empty([16, 8]), c2 = Tensor.empty([16, 8])
        BLAS.sgemm(m: 16, n: 8, k: 32, a: a.pointer, lda: 32, b: b.pointer, ldb: 8, c: c1.pointer, ldc: 8)
        BLAS.withBF16(false) { BLAS.sgemm(m: 16, n: 8, k: 32, a: a.pointer, lda: 32, b: b.pointer, ldb: 8, c: c2.pointer, ldc: 8) }
        XCTAssertEqual(c1.scalars, c2.scalars)
        XCTAssertEqual(BLAS.bf16Depth, 0)
    }
}
