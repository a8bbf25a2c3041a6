// Distances, k-reciprocal re-ranking and α-QE.
import XCTest
@testable import Eval
import Tensor

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, rng: &rng)
}

func assertClose(_ a: [Float], _ b: [Float], _ tol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tol, "\(what): max |Δ| = \(worst)", file: file, line: line)
}

final class DistanceTests: XCTestCase {
    func testBothMetricsAgainstDoublePrecisionAcrossTileBoundaries() {
        // 130 × 2100 crosses the 128-row and 2048-column tiles.
        let q = randomTensor([130, 7], seed: 1), g = randomTensor([2100, 7], seed: 2)
        for metric in DistanceMetric.allCases {
            let d = Distance.compute(q, g, metric: metric)
            XCTAssertEqual(d.shape, [130, 2100])
            var worst: Double = 0
            for i in stride(from: 0, to: 130, by: 7) { for j in stride(from: 0, to: 2100, by: 13) {
                var dot = 0.0, qq = 0.0, gg = 0.0
                for c in 0..<7 { let a = Double(q[i, c]), b = Double(g[j, c]); dot += a * b; qq += a * a; gg += b * b }
                let want = metric == .euclidean ? max(0, qq + gg - 2 * dot) : 1 - dot / (qq.squareRoot() * gg.squareRoot())
                worst = max(worst, abs(Double(d[i, j]) - want))
            } }
            XCTAssertLessThan(worst, 1e-4, "\(metric)")
        }
    }

    func testSelfDistanceIsZeroAndClamped() {
        let x = randomTensor([5, 16], seed: 3)
        let d = Distance.compute(x, x, metric: .euclidean)
        for i in 0..<5 { XCTAssertEqual(d[i, i], 0, accuracy: 1e-4); for j in 0..<5 { XCTAssertGreaterThanOrEqual(d[i, j], 0) } }
        XCTAssertThrowsError(try DistanceMetric.parse("cosin")) { e in XCTAssertTrue("\(e)".contains("cosine, euclidean")) }
    }
}

final class ReRankingTests: XCTestCase {
    func golden(_ shape: (Int, Int), _ params: (Int, Int, Float), _ qg: [Float], _ qq: [Float], _ gg: [Float], _ want: [Float]) {
        let (nq, ng) = shape
        let opts = ReRankOptions(k1: params.0, k2: params.1, lambda: params.2)
        let out = ReRanking.kReciprocal(qg: Tensor(shape: [nq, ng], scalars: qg), qq: Tensor(shape: [nq, nq], scalars: qq),
                                        gg: Tensor(shape: [ng, ng], scalars: gg), options: opts)
        assertClose(out.scalars, want, 2e-6, "re-ranking k1=\(params.0) k2=\(params.1)")
    }

    func testMatchesNumpyReRankingDefaults() {
        golden(Golden.rrShape, Golden.rrParams, Golden.rrQG, Golden.rrQQ, Golden.rrGG, Golden.rrOut)
    }

    func testMatchesNumpyReRankingOddK1() {
        // k1 = 5: np.around(2.5) = 2 (half to even).
        golden(Golden.rrSmallShape, Golden.rrSmallParams, Golden.rrSmallQG, Golden.rrSmallQQ, Golden.rrSmallGG, Golden.rrSmallOut)
    }

    func testSparseImplementationMatchesDenseReference() {
        let q = randomTensor([15, 12], seed: 11), g = randomTensor([70, 12], seed: 12)
        for metric in DistanceMetric.allCases {
            let qg = Distance.compute(q, g, metric: metric), qq = Distance.compute(q, q, metric: metric)
            let gg = Distance.compute(g, g, metric: metric)
            for opts in [ReRankOptions(), ReRankOptions(k1: 7, k2: 1, lambda: 0.1)] {
                let fast = ReRanking.kReciprocal(qg: qg, qq: qq, gg: gg, options: opts)
                let ref = ReferenceEvaluation.reRanking(qg: qg, qq: qq, gg: gg, k1: opts.k1, k2: opts.k2, lambda: opts.lambda)
                assertClose(fast.scalars, ref.flatMap { $0 }, 1e-6, "\(metric) k1=\(opts.k1)")
            }
        }
    }
}

final class QueryExpansionTests: XCTestCase {
    func testHandCases() {
        // k = 1: each item's nearest is itself with cos = 1 → unchanged.
        let q = randomTensor([3, 4], seed: 21), g = randomTensor([5, 4], seed: 22)
        let (q1, g1) = QueryExpansion.alpha(query: q, gallery: g, options: QueryExpansionOptions(k: 1, alpha: 3))
        // (cos of an item with itself is 1 up to rounding.)
        assertClose(q1.scalars, q.scalars, 1e-5, "k=1 query"); assertClose(g1.scalars, g.scalars, 1e-5, "k=1 gallery")
        // Two parallel vectors (cos 1) and one orthogonal: with k = 2 the parallel pair become
        // the mean of both, (1.5, 0); the orthogonal one takes itself and a weight-0 neighbour → half.
        let (q2, g2) = QueryExpansion.alpha(query: Tensor(shape: [1, 2], scalars: [1, 0]),
                                            gallery: Tensor(shape: [2, 2], scalars: [2, 0, 0, 3]),
                                            options: QueryExpansionOptions(k: 2, alpha: 3))
        XCTAssertEqual(q2.scalars, [1.5, 0])
        XCTAssertEqual(g2.scalars, [1.5, 0, 0, 1.5])
    }

    func testMatchesNumpyAQE() {
        let (nq, ng, d) = Golden.qeShape
        let (k, alpha, times) = Golden.qeParams
        let (q, g) = QueryExpansion.alpha(query: Tensor(shape: [nq, d], scalars: Golden.qeQ), gallery: Tensor(shape: [ng, d], scalars: Golden.qeG),
                                          options: QueryExpansionOptions(k: k, alpha: alpha, times: times))
        assertClose(q.scalars, Golden.qeOutQ, 1e-5, "aqe query")
        assertClose(g.scalars, Golden.qeOutG, 1e-5, "aqe gallery")
    }
}
