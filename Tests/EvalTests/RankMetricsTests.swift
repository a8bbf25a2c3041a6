// CMC / mAP / mINP under the Market-1501 protocol: hand-computed cases, the NumPy golden
// transcription of rank.py, and the fast path against the full-sort reference.
import XCTest
@testable import Eval
import Tensor

func evalRank(_ d: [[Float]], _ q: [(Int, Int)], _ g: [(Int, Int)], maxRank: Int = 50) throws -> RankMetrics {
    let flat = d.flatMap { $0 }
    return try flat.withUnsafeBufferPointer {
        try RankEvaluation.evaluate(distances: $0.baseAddress!, query: ReidIds(pids: q.map(\.0), camids: q.map(\.1)),
                                    gallery: ReidIds(pids: g.map(\.0), camids: g.map(\.1)), maxRank: maxRank)
    }
}

final class RankMetricsTests: XCTestCase {
    func testJunkRemovalDistractorsAndSkippedQuery() throws {
        // Query 0 (pid 1, cam 0). Gallery: same pid+cam (junk, removed), pid 2, pid 1 cam 1,
        // distractor pid 0, pid 1 cam 2. Kept ranking: neg, POS, neg, POS → ranks 2 and 4.
        // Query 1 (pid 3, cam 0): its only gallery match shares camera 0 → skipped.
        let g = [(1, 0), (2, 1), (1, 1), (0, 1), (1, 2), (3, 0)]
        let m = try evalRank([[0.1, 0.2, 0.3, 0.4, 0.5, 0.9],
                              [0.5, 0.4, 0.3, 0.2, 0.1, 0.0]], [(1, 0), (3, 0)], g, maxRank: 5)
        XCTAssertEqual(m.numQueries, 2)
        XCTAssertEqual(m.numValidQueries, 1)
        XCTAssertEqual(m.numSkippedQueries, 1)
        XCTAssertEqual(m.cmc, [0, 1, 1, 1, 1])
        XCTAssertEqual(m.mAP, (1.0 / 2 + 2.0 / 4) / 2, accuracy: 1e-12)
        XCTAssertEqual(m.mINP, 2.0 / 4, accuracy: 1e-12)
    }

    func testTiesBrokenByGalleryIndex() throws {
        // All at distance 0.5: index order decides. Negative first → positives at ranks 2, 3.
        let a = try evalRank([[0.5, 0.5, 0.5]], [(1, 0)], [(2, 1), (1, 1), (1, 2)], maxRank: 3)
        XCTAssertEqual(a.mAP, (1.0 / 2 + 2.0 / 3) / 2, accuracy: 1e-12)
        XCTAssertEqual(a.cmc, [0, 1, 1])
        // Positive first → rank 1.
        let b = try evalRank([[0.5, 0.5]], [(1, 0)], [(1, 1), (2, 1)], maxRank: 2)
        XCTAssertEqual(b.mAP, 1, accuracy: 1e-12)
        XCTAssertEqual(b.cmc, [1, 1])
    }

    func testAllPositivesAtTheEnd() throws {
        // Five negatives, then two positives: ranks 6 and 7. INP = 2/7.
        let g = [(5, 1), (6, 1), (7, 1), (0, 1), (8, 1), (1, 1), (1, 2)]
        let m = try evalRank([[0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 1.0]], [(1, 0)], g, maxRank: 10)
        XCTAssertEqual(m.mINP, 2.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.mAP, (1.0 / 6 + 2.0 / 7) / 2, accuracy: 1e-12)
        XCTAssertEqual(m.cmc.count, 7, "maxRank is capped at the gallery size")
        XCTAssertEqual(m.cmc[4], 0); XCTAssertEqual(m.cmc[5], 1); XCTAssertEqual(m.rank(10), 1)
    }

    func testNoValidQueryIsAClearError() {
        XCTAssertThrowsError(try evalRank([[0.1]], [(1, 0)], [(1, 0)])) { e in
            XCTAssertTrue("\(e)".contains("all 1 queries skipped"), "\(e)")
        }
    }

    func testMatchesNumpyTranscriptionOfRankPy() throws {
        let (nq, ng) = Golden.rankShape
        let q = ReidIds(pids: Golden.rankQPids, camids: Golden.rankQCams)
        let g = ReidIds(pids: Golden.rankGPids, camids: Golden.rankGCams)
        let m = try Golden.rankDist.withUnsafeBufferPointer {
            try RankEvaluation.evaluate(distances: $0.baseAddress!, query: q, gallery: g)
        }
        XCTAssertEqual(nq * ng, Golden.rankDist.count)
        XCTAssertEqual(m.numValidQueries, Golden.rankValid)
        XCTAssertEqual(m.mAP, Golden.rankMAP, accuracy: 1e-9)
        XCTAssertEqual(m.mINP, Golden.rankMINP, accuracy: 1e-9)
        XCTAssertEqual(m.cmc.count, Golden.rankCMC.count)
        for (a, b) in zip(m.cmc, Golden.rankCMC) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testFastPathMatchesFullSortReferenceWithTies() throws {
        var rng = RandomGenerator(seed: 5)
        let nq = 60, ng = 400
        let q = ReidIds(pids: (0..<nq).map { _ in rng.int(below: 30) }, camids: (0..<nq).map { _ in rng.int(below: 4) })
        let g = ReidIds(pids: (0..<ng).map { _ in rng.int(below: 30) }, camids: (0..<ng).map { _ in rng.int(below: 4) })
        // Distances on a coarse grid so that many are exactly equal.
        let d = (0..<nq * ng).map { _ in Float(rng.int(below: 40)) / 16 }
        try d.withUnsafeBufferPointer { p in
            let fast = try RankEvaluation.evaluate(distances: p.baseAddress!, query: q, gallery: g)
            let ref = try ReferenceEvaluation.rankMetrics(distances: p.baseAddress!, query: q, gallery: g)
            XCTAssertEqual(fast.numValidQueries, ref.numValidQueries)
            XCTAssertEqual(fast.mAP, ref.mAP, accuracy: 1e-12)
            XCTAssertEqual(fast.mINP, ref.mINP, accuracy: 1e-12)
            XCTAssertEqual(fast.cmc, ref.cmc)
        }
    }
}

final class ROCTests: XCTestCase {
    func roc(_ d: [[Float]], _ q: [(Int, Int)], _ g: [(Int, Int)], _ fprs: [Double]) -> [ROCPoint] {
        d.flatMap { $0 }.withUnsafeBufferPointer {
            ROC.tprAtFPR(distances: $0.baseAddress!, query: ReidIds(pids: q.map(\.0), camids: q.map(\.1)),
                         gallery: ReidIds(pids: g.map(\.0), camids: g.map(\.1)), fprs: fprs)
        }
    }

    func testHandComputedPoints() {
        // Genuine distances 0.1 0.3 0.4 0.7; ten impostors at 0.2, 0.4, …, 2.0; a junk pair at 0.
        // FPR ≤ 0.05 → reject from the 1st impostor (0.2): genuine < 0.2 → 1/4.
        // FPR ≤ 0.1  → threshold below 0.4 (2nd impostor): 0.1, 0.3 → 2/4 (the genuine 0.4 ties and is out).
        // FPR ≤ 0.25 → below 0.6: 3/4.   FPR ≤ 0.5 → below 1.2: 4/4.
        var g: [(Int, Int)] = [(1, 0), (1, 1), (1, 1), (1, 2), (1, 2)]
        var row: [Float] = [0, 0.1, 0.3, 0.4, 0.7]
        for k in 1...10 { g.append((k + 1, 1)); row.append(Float(k) * 0.2) }
        let points = roc([row], [(1, 0)], g, [0.05, 0.1, 0.25, 0.5])
        XCTAssertEqual(points.map(\.tpr), [0.25, 0.5, 0.75, 1])
        XCTAssertEqual(points[1].threshold, 0.4)
        // The skipped-query rule does not apply: a query without positives still adds impostors.
        let withSkipped = roc([row, row.map { _ in 0 }], [(1, 0), (99, 0)], g, [0.1])
        // 25 impostors (15 at 0 from the second query); m = 2 → threshold 0 → no genuine accepted.
        XCTAssertEqual(withSkipped[0].tpr, 0)
    }

    func testMatchesSortingReferenceAtDatasetLikeScale() {
        var rng = RandomGenerator(seed: 9)
        let nq = 50, ng = 2000
        let q = ReidIds(pids: (0..<nq).map { _ in rng.int(below: 40) }, camids: (0..<nq).map { _ in rng.int(below: 3) })
        let g = ReidIds(pids: (0..<ng).map { _ in rng.int(below: 40) }, camids: (0..<ng).map { _ in rng.int(below: 3) })
        // Cosine-like distances, a few slightly negative (rounding), genuine pairs closer.
        var d = [Float](repeating: 0, count: nq * ng)
        for i in 0..<nq { for j in 0..<ng {
            let base = Float(rng.uniform()) * 1.5 - 1e-6
            d[i * ng + j] = q.pids[i] == g.pids[j] ? base * 0.5 : base
        } }
        d.withUnsafeBufferPointer { p in
            let fprs = [1e-4, 1e-3, 1e-2, 0.1]
            let fast = ROC.tprAtFPR(distances: p.baseAddress!, query: q, gallery: g, fprs: fprs)
            let ref = ReferenceEvaluation.tprAtFPR(distances: p.baseAddress!, query: q, gallery: g, fprs: fprs)
            XCTAssertEqual(fast.map(\.tpr), ref)
            XCTAssertGreaterThan(fast[3].tpr, fast[0].tpr)
        }
    }
}
