// Distillation losses: hand-computed values (tier 2), invariances, and finite-difference
// gradients with respect to the student (tier 1). Teacher inputs must receive no gradient.
import XCTest
import Tensor
import TestSupport
@testable import Distill

final class DistillLossValueTests: XCTestCase {
    // p_T = (3/4, 1/4) from logits (ln 3, 0); p_S = (1/2, 1/2).
    // KL(T‖S) = ¾ ln 1.5 + ¼ ln 0.5 = 0.1308120;  KL(S‖T) = ½ ln(2/3) + ½ ln 2 = 0.1438410.
    let s = Tensor(shape: [1, 2], scalars: [0, 0])
    let t = Tensor(shape: [1, 2], scalars: [Float(log(3.0)), 0])

    func testKLHandComputed() {
        XCTAssertEqual(DistillLosses.klDivergence(student: s, teacher: t, temperature: 1).item(), 0.1308120, accuracy: 1e-5)
        // Same distributions at T = 2 from doubled logits, scaled by T² = 4.
        XCTAssertEqual(DistillLosses.klDivergence(student: s * 2, teacher: t * 2, temperature: 2).item(), 4 * 0.1308120, accuracy: 1e-4)
    }

    func testSymmetricKLHandComputed() {
        XCTAssertEqual(DistillLosses.symmetricKL(student: s, teacher: t, temperature: 1).item(),
                       0.5 * (0.1308120 + 0.1438410), accuracy: 1e-5)
    }

    func testIdenticalInputsGiveZero() {
        let x = randomTensor([6, 5], seed: 1, requiresGrad: false)
        XCTAssertEqual(DistillLosses.klDivergence(student: x, teacher: x, temperature: 4).item(), 0, accuracy: 1e-5)
        XCTAssertEqual(DistillLosses.symmetricKL(student: x, teacher: x, temperature: 16).item(), 0, accuracy: 1e-4)
        XCTAssertEqual(DistillLosses.embeddingMSE(student: x, teacher: x).item(), 0, accuracy: 1e-7)
        XCTAssertEqual(DistillLosses.cosineEmbedding(student: x * 3, teacher: x).item(), 0, accuracy: 1e-6)
        XCTAssertEqual(DistillLosses.pkt(student: x, teacher: x * 2).item(), 0, accuracy: 1e-5)
        // RKD and similarity matching ignore the feature scale.
        XCTAssertEqual(DistillLosses.rkdDistance(student: x * 5, teacher: x).item(), 0, accuracy: 1e-5)
        XCTAssertEqual(DistillLosses.rkdAngle(student: x * 5, teacher: x).item(), 0, accuracy: 1e-5)
        XCTAssertEqual(DistillLosses.similarityMatching(student: x * 5, teacher: x).item(), 0, accuracy: 1e-6)
    }

    func testCosineOfOrthogonalFeatures() {
        let a = Tensor(shape: [2, 2], scalars: [1, 0, 0, 2])
        let b = Tensor(shape: [2, 2], scalars: [0, 3, -1, 0])
        XCTAssertEqual(DistillLosses.cosineEmbedding(student: a, teacher: b).item(), 1, accuracy: 1e-6)
    }

    func testMSEHandComputed() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [1, 0, 3, 5])
        XCTAssertEqual(DistillLosses.embeddingMSE(student: a, teacher: b).item(), (4 + 1) / 4, accuracy: 1e-6)
        // Projector (2 → 1): s·Pᵀ with P = [[1, 1]] gives (3, 7) vs teacher (2, 7).
        let p = Tensor(shape: [1, 2], scalars: [1, 1])
        let t1 = Tensor(shape: [2, 1], scalars: [2, 7])
        XCTAssertEqual(DistillLosses.embeddingMSE(student: a, teacher: t1, projector: p).item(), 0.5, accuracy: 1e-6)
    }

    func testRKDDistanceHandComputed() {
        // Three collinear points 0, 1, 3: distances (1, 3, 2), mean 2 → normalised (0.5, 1.5, 1).
        // Teacher 0, 1, 2: (1, 2, 1), mean 4/3 → (0.75, 1.5, 0.75). Differences per ordered pair:
        // (−0.25, 0, 0.25) twice, diagonal 0 → Huber ½d² → 4 · ½ · 0.0625 / 9.
        let a = Tensor(shape: [3, 1], scalars: [0, 1, 3])
        let b = Tensor(shape: [3, 1], scalars: [0, 1, 2])
        XCTAssertEqual(DistillLosses.rkdDistance(student: a, teacher: b).item(), 4 * 0.5 * 0.0625 / 9, accuracy: 1e-5)
    }

    func testSimilarityMatchingHandComputed() {
        // Student rows orthogonal: normalised Gram = I. Teacher rows equal: every entry 1/√2.
        let a = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let b = Tensor(shape: [2, 2], scalars: [1, 1, 1, 1])
        let r = Float(1 / 2.0.squareRoot())
        let expected = (2 * (1 - r) * (1 - r) + 2 * r * r) / 4
        XCTAssertEqual(DistillLosses.similarityMatching(student: a, teacher: b).item(), expected, accuracy: 1e-5)
    }

    func testFeatureHintPoolsAndAdapts() {
        // Identity adapter; teacher map is the 2×2 average pool of the student's 4×4 map.
        let sMap = randomTensor([2, 3, 4, 4], seed: 4, requiresGrad: false)
        let tMap = avgPool2d(sMap, kernel: 2)
        var eye = [Float](repeating: 0, count: 9); for i in 0..<3 { eye[i * 4] = 1 }
        let adapter = Tensor(shape: [3, 3, 1, 1], scalars: eye)
        XCTAssertEqual(DistillLosses.featureHint(student: sMap, teacher: tMap, adapter: adapter).item(), 0, accuracy: 1e-6)
    }
}

final class DistillLossGradientTests: XCTestCase {
    func check(_ f: @escaping (Tensor, Tensor) -> Tensor, sShape: [Int], tShape: [Int], file: StaticString = #filePath, line: UInt = #line) {
        let s = randomTensor(sShape, seed: 11)
        let t = randomTensor(tShape, seed: 12, requiresGrad: false)
        assertGradients([s], file: file, line: line) { f($0[0], t) }
        XCTAssertNil(t.grad, "teacher must not receive a gradient", file: file, line: line)
    }

    func testLogitLosses() {
        check({ DistillLosses.klDivergence(student: $0, teacher: $1, temperature: 4) }, sShape: [4, 6], tShape: [4, 6])
        check({ DistillLosses.symmetricKL(student: $0, teacher: $1, temperature: 3) }, sShape: [4, 6], tShape: [4, 6])
    }

    func testEmbeddingLosses() {
        check({ DistillLosses.embeddingMSE(student: $0, teacher: $1) }, sShape: [4, 5], tShape: [4, 5])
        check({ DistillLosses.cosineEmbedding(student: $0, teacher: $1) }, sShape: [4, 5], tShape: [4, 5])
        check({ DistillLosses.pkt(student: $0, teacher: $1) }, sShape: [5, 4], tShape: [5, 7])
        check({ DistillLosses.similarityMatching(student: $0, teacher: $1) }, sShape: [5, 4], tShape: [5, 7])
        check({ DistillLosses.rkdDistance(student: $0, teacher: $1) }, sShape: [5, 4], tShape: [5, 6])
        check({ DistillLosses.rkdAngle(student: $0, teacher: $1) }, sShape: [4, 3], tShape: [4, 6])
    }

    func testProjectorAndAdapterGradients() {
        let s = randomTensor([4, 3], seed: 21), p = randomTensor([5, 3], seed: 22)
        let t = randomTensor([4, 5], seed: 23, requiresGrad: false)
        assertGradients([s, p]) { DistillLosses.embeddingMSE(student: $0[0], teacher: t, projector: $0[1]) }
        assertGradients([s, p]) { DistillLosses.cosineEmbedding(student: $0[0], teacher: t, projector: $0[1]) }
        let sm = randomTensor([2, 3, 4, 4], seed: 24), a = randomTensor([2, 3, 1, 1], seed: 25)
        let tm = randomTensor([2, 2, 2, 2], seed: 26, requiresGrad: false)
        assertGradients([sm, a]) { DistillLosses.featureHint(student: $0[0], teacher: tm, adapter: $0[1]) }
    }
}
