// Losses on small hand-computed cases (values from Scripts/nn_loss_golden.py) and finite-
// difference gradient checks; the loss dictionary's names and weighting.
import XCTest
import Config
import TestSupport
@testable import NN
import Tensor

final class LossTests: XCTestCase {
    func testCrossEntropyValues() {
        let z = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        XCTAssertEqual(crossEntropyLoss(z, targets: [2], epsilon: 0).item(), 0.40760596, accuracy: 1e-5)
        XCTAssertEqual(crossEntropyLoss(z, targets: [2], epsilon: 0.1).item(), 0.55760596, accuracy: 1e-5)
        // Batch mean: a second, identical row leaves the value unchanged.
        let z2 = Tensor(shape: [2, 3], scalars: [1, 2, 3, 3, 2, 1])
        XCTAssertEqual(crossEntropyLoss(z2, targets: [2, 0], epsilon: 0.1).item(), 0.55760596, accuracy: 1e-5)
    }

    func testTripletValues() {
        let f = Tensor(shape: [4, 1], scalars: [0, 2, 3, 4])
        let y = [0, 0, 1, 1]
        XCTAssertEqual(tripletLoss(f, targets: y, margin: 0.3).item(), 0.4, accuracy: 1e-5)
        XCTAssertEqual(tripletLoss(f, targets: y, margin: 0).item(), 0.65823306, accuracy: 1e-5)
        // Cosine distances 2 − 2cos on (1,0), (0,1) | (1,0), (−1,0): gaps + 0.3 = 2.3, 0.3, 4.3, 2.3.
        let g = Tensor(shape: [4, 2], scalars: [1, 0, 0, 1, 1, 0, -1, 0])
        XCTAssertEqual(tripletLoss(g, targets: y, margin: 0.3, normFeat: true).item(), 2.3, accuracy: 1e-5)
        // No negatives in the batch: zero loss, no NaN.
        XCTAssertEqual(tripletLoss(f, targets: [1, 1, 1, 1], margin: 0.3).item(), 0)
    }

    func testWeightedTripletValues() {
        // FastReID's weighted_example_mining (HARD_MINING: false) on the same 1-D case.
        let f = Tensor(shape: [4, 1], scalars: [0, 2, 3, 4])
        let y = [0, 0, 1, 1]
        XCTAssertEqual(tripletLoss(f, targets: y, margin: 0.3, hardMining: false).item(), 0.19816340, accuracy: 1e-5)
        XCTAssertEqual(tripletLoss(f, targets: y, margin: 0, hardMining: false).item(), 0.46024644, accuracy: 1e-5)
        XCTAssertNotEqual(tripletLoss(f, targets: y, margin: 0.3, hardMining: false).item(), tripletLoss(f, targets: y, margin: 0.3).item())
    }

    func testCosFaceValue() {
        let r = Float(0.5).squareRoot()
        let f = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, r, r])
        XCTAssertEqual(pairwiseCosFaceLoss(f, targets: [0, 0, 1], margin: 0.25, gamma: 1).item(), 0.85472419, accuracy: 1e-5)
        XCTAssertTrue(pairwiseCosFaceLoss(f, targets: [0, 0, 1]).item().isFinite)   // γ = 128 stays finite
    }

    func testCircleValue() {
        let r = Float(0.5).squareRoot()
        let f = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, r, r])
        XCTAssertEqual(pairwiseCircleLoss(f, targets: [0, 0, 1], margin: 0.25, gamma: 1).item(), 1.0669418, accuracy: 1e-5)
        XCTAssertTrue(pairwiseCircleLoss(f, targets: [0, 0, 1]).item().isFinite)   // γ = 128 stays finite
    }

    func testLossGradients() {
        let y = [0, 0, 1, 1, 2, 2]
        let z = randomTensor([6, 4], seed: 1)
        assertGradients([z]) { _ in crossEntropyLoss(z, targets: y, epsilon: 0.1) }
        let f = randomTensor([6, 3], seed: 2)
        assertGradients([f]) { _ in tripletLoss(f, targets: y, margin: 0.3) }
        assertGradients([f]) { _ in tripletLoss(f, targets: y, margin: 0) }
        assertGradients([f]) { _ in tripletLoss(f, targets: y, margin: 0.3, normFeat: true) }
        assertGradients([f]) { _ in tripletLoss(f, targets: y, margin: 0.3, hardMining: false) }
        assertGradients([f]) { _ in tripletLoss(f, targets: y, margin: 0, normFeat: true, hardMining: false) }
        assertGradients([f]) { _ in pairwiseCosFaceLoss(f, targets: y, margin: 0.25, gamma: 4) }
        // Circle loss treats α as constants: check against differences with α fixed at f's value.
        let fixed = f.copy()
        assertGradients([f]) { _ in circleLoss(f, targets: y, margin: 0.25, gamma: 4, alphaFrom: fixed) }
        f.grad = nil
        let direct = pairwiseCircleLoss(f, targets: y, margin: 0.25, gamma: 4)
        direct.backward()
        let g1 = f.grad!.scalars
        f.grad = nil
        circleLoss(f, targets: y, margin: 0.25, gamma: 4, alphaFrom: fixed).backward()
        nnAssertClose(g1, f.grad!.scalars)
    }

    func testLossDictNamesWeightsAndTotal() throws {
        var spec = LossSpec()
        spec.names = ["ce", "triplet", "circle"]
        spec.tripletWeight = 2; spec.circleGamma = 4
        let loss = try ReidLoss(spec: spec)
        let m = try ReidModel(spec: tinySpec(), seed: 1)
        let y = [0, 0, 1, 1]
        let out = m.forward(randomTensor([4, 3, 32, 16], seed: 2, requiresGrad: false), targets: y)
        let d = loss(out, targets: y)
        XCTAssertEqual(d.values.map(\.0), ["loss_ce", "loss_tri", "loss_circle"])
        XCTAssertEqual(d["loss_ce"]!.item(), crossEntropyLoss(out.logits!, targets: y, epsilon: 0.1).item(), accuracy: 1e-6)
        XCTAssertEqual(d["loss_tri"]!.item(), 2 * tripletLoss(out.features, targets: y, margin: 0.3).item(), accuracy: 1e-5)
        XCTAssertEqual(d.total.item(), d.values.map(\.1).reduce(0, +), accuracy: 1e-5)
    }

    func testLossSpecFromConfigReadsOnlySelectedLosses() throws {
        let c = try nnSchema.load(yaml: """
            MODEL.LOSSES: {NAME: [CrossEntropyLoss, TripletLoss, Cosface], TRI: {HARD_MINING: false},
                           COSFACE: {MARGIN: 0.35, GAMMA: 64, SCALE: 0.5}}
            """)
        let spec = try LossSpec(config: c)
        XCTAssertEqual(spec.names, ["ce", "triplet", "cosface"])
        XCTAssertFalse(spec.tripletHardMining)
        XCTAssertEqual([spec.cosfaceMargin, spec.cosfaceGamma, spec.cosfaceWeight], [0.35, 64, 0.5])
        XCTAssertTrue(c.readKeys.isSuperset(of: ["MODEL.LOSSES.TRI.HARD_MINING", "MODEL.LOSSES.COSFACE.GAMMA"]))
        XCTAssertFalse(c.readKeys.contains("MODEL.LOSSES.CIRCLE.MARGIN"), "a loss that is not selected is not read")
        let m = try ReidModel(spec: tinySpec(), seed: 1)
        let y = [0, 0, 1, 1]
        let out = m.forward(randomTensor([4, 3, 32, 16], seed: 2, requiresGrad: false), targets: y)
        let d = try ReidLoss(spec: spec)(out, targets: y)
        XCTAssertEqual(d.values.map(\.0), ["loss_ce", "loss_tri", "loss_cosface"])
        XCTAssertEqual(d["loss_tri"]!.item(), tripletLoss(out.features, targets: y, margin: 0.3, hardMining: false).item(), accuracy: 1e-5)
        XCTAssertEqual(d["loss_cosface"]!.item(), 0.5 * pairwiseCosFaceLoss(out.features, targets: y, margin: 0.35, gamma: 64).item(), accuracy: 1e-4)
    }
}
