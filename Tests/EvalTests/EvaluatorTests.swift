// Feature extraction (flip TTA, normalisation) and the end-to-end evaluator with its outputs.
import Foundation
import XCTest
@testable import Eval
import Tensor

final class FeatureExtractorTests: XCTestCase {
    func testFlipAveragesRawAndMirroredImagesWithoutTouchingTheInput() throws {
        // A 2-image batch of 1×1×3 "images"; the embedding is the pixels themselves, scaled by
        // 10 (a stand-in for a model's own preprocessing) — the closure must see raw pixels.
        let batch = Tensor(shape: [2, 1, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        var seen: [[Float]] = []
        let ex = FeatureExtractor(flip: true) { x in
            seen.append(x.scalars)
            return (x * 10).reshaped([x.shape[0], 3])
        }
        let f = try ex.extract([batch, batch])
        XCTAssertEqual(seen[0], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(seen[1], [3, 2, 1, 6, 5, 4], "the flipped pass must mirror the raw batch once")
        XCTAssertEqual(batch.scalars, [1, 2, 3, 4, 5, 6], "the caller's batch is not modified")
        XCTAssertEqual(f.shape, [4, 3])
        XCTAssertEqual(Array(f.scalars.prefix(6)), [20, 20, 20, 50, 50, 50])
    }

    func testNormalizationNoGradAndErrors() throws {
        let w = Tensor(shape: [2, 2], scalars: [3, 0, 0, 4])
        w.requiresGrad = true
        var recording = true
        let ex = FeatureExtractor(normalize: true) { x in
            recording = GradMode.isEnabled
            return Tensor.matmul(x.reshaped([x.shape[0], 2]), w)
        }
        let f = try ex.extract([Tensor(shape: [1, 2, 1, 1], scalars: [1, 1])])
        XCTAssertFalse(recording, "embedding runs inside withNoGrad")
        XCTAssertFalse(f.hasGradFn)
        XCTAssertEqual(f[0, 0], 0.6, accuracy: 1e-6); XCTAssertEqual(f[0, 1], 0.8, accuracy: 1e-6)
        let bad = FeatureExtractor { x in Tensor.zeros([x.shape[0] + 1, 2]) }
        XCTAssertThrowsError(try bad.extract([Tensor.zeros([2, 1, 1, 1])])) { e in XCTAssertTrue("\(e)".contains("expected (2, D)"), "\(e)") }
    }
}

final class ReidEvaluatorTests: XCTestCase {
    // Gallery on a line, queries at chosen points: euclidean distances are known by hand.
    let gallery = Tensor(shape: [5, 1], scalars: [0, 1, 2, 3, 4])
    let galleryIds = ReidIds(pids: [1, 2, 1, 0, 2], camids: [0, 1, 1, 1, 2])
    let query = Tensor(shape: [2, 1], scalars: [0.1, 3.9])
    let queryIds = ReidIds(pids: [1, 2], camids: [0, 1])

    func testEndToEndTableAndJSON() throws {
        // Query 0 (pid 1, cam 0): item 0 is junk; kept order by distance: 1(neg) 2(POS) 3 4 → AP 1/2.
        // Query 1 (pid 2, cam 1): item 1 is junk; order: 4(POS) 3 2 0 → AP 1.
        let r = try ReidEvaluator.evaluate(query: query, gallery: gallery, queryIds: queryIds, galleryIds: galleryIds,
                                           options: EvalOptions(metric: .euclidean, rocFPRs: [0.2]))
        XCTAssertEqual(r.rank1, 0.5); XCTAssertEqual(r.rank5, 1)
        XCTAssertEqual(r.mAP, 0.75, accuracy: 1e-12)
        XCTAssertEqual(r.mINP, 0.75, accuracy: 1e-12)
        XCTAssertEqual(r.score, 0.625, accuracy: 1e-12)
        let table = r.table(dataset: "toy")
        XCTAssertTrue(table.contains("| Dataset | Rank-1 | Rank-5 | Rank-10 | mAP   | mINP  | metric | TPR@FPR=2e-01 |"), table)
        XCTAssertTrue(table.contains("| toy     | 50.00  | 100.00 | 100.00  | 75.00 | 75.00 | 62.50"), table)
        let back = try JSONDecoder().decode(EvalResult.self, from: Data(r.json().utf8))
        XCTAssertEqual(back.mAP, r.mAP); XCTAssertEqual(back.cmc, r.cmc); XCTAssertEqual(back.options, r.options)
        XCTAssertNotNil(back.timings?["ranking"])
    }

    func testPostProcessingComposes() throws {
        let q = randomTensor([6, 8], seed: 31), g = randomTensor([30, 8], seed: 32)
        let qi = ReidIds(pids: [0, 1, 2, 3, 4, 5], camids: [0, 0, 0, 0, 0, 0])
        let gi = ReidIds(pids: (0..<30).map { $0 % 6 }, camids: (0..<30).map { 1 + $0 % 2 })
        let opts = EvalOptions(rerank: ReRankOptions(), queryExpansion: QueryExpansionOptions())
        let r = try ReidEvaluator.evaluate(query: q, gallery: g, queryIds: qi, galleryIds: gi, options: opts)
        // Same pipeline by hand.
        let (qe, ge) = QueryExpansion.alpha(query: q, gallery: g)
        let d = ReRanking.kReciprocal(query: qe, gallery: ge, metric: .cosine)
        let m = try RankEvaluation.evaluate(distances: d.pointer, query: qi, gallery: gi)
        XCTAssertEqual(r.mAP, m.mAP, accuracy: 1e-12)
        XCTAssertEqual(Set(r.timings!.keys), ["query_expansion", "distance", "rerank", "ranking", "roc"])
    }

    func testBadInputGivesNamedErrors() {
        let names = EvalInputNames(query: "q.npy", gallery: "g.npy", queryIds: "q.csv", galleryIds: "g.csv")
        func expect(_ text: String, _ body: () throws -> EvalResult) {
            XCTAssertThrowsError(try body()) { e in XCTAssertTrue("\(e)".contains(text), "expected '\(text)' in \(e)") }
        }
        expect("q.npy have 2 rows but q.csv has 1") {
            try ReidEvaluator.evaluate(query: query, gallery: gallery, queryIds: ReidIds(pids: [1], camids: [0]), galleryIds: galleryIds, names: names)
        }
        expect("g.npy are 2-d") {
            try ReidEvaluator.evaluate(query: query, gallery: Tensor.zeros([5, 2]), queryIds: queryIds, galleryIds: galleryIds, names: names)
        }
        let nan = query.copy(); nan[1, 0] = .nan
        expect("q.npy: non-finite value nan at row 1") {
            try ReidEvaluator.evaluate(query: nan, gallery: gallery, queryIds: queryIds, galleryIds: galleryIds, names: names)
        }
        expect("FPR targets must lie in (0, 1)") {
            try ReidEvaluator.evaluate(query: query, gallery: gallery, queryIds: queryIds, galleryIds: galleryIds, options: EvalOptions(rocFPRs: [2]))
        }
        expect("need features") {
            try ReidEvaluator.evaluate(distances: Tensor.zeros([2, 5]), queryIds: queryIds, galleryIds: galleryIds, options: EvalOptions(rerank: ReRankOptions()))
        }
    }
}
