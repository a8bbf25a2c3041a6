// LR schedule values at chosen iterations (formulas in Sources/NN/Schedule/LRSchedule.swift).
import XCTest
import Config
import Foundation
@testable import NN

final class ScheduleTests: XCTestCase {
    func testLinearAndConstantWarmup() {
        let s = LRSchedule(baseLR: 1, warmupMethod: .linear, warmupFactor: 0.1, warmupIters: 10,
                           main: .multiStep(steps: [], gamma: 0.1), itersPerEpoch: 100)
        XCTAssertEqual(s.lr(iteration: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 5), 0.55, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 9), 0.91, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 10), 1, accuracy: 1e-12)
        var c = s
        c.warmupMethod = .constant
        XCTAssertEqual(c.lr(iteration: 7), 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.lr(iteration: 10), 1, accuracy: 1e-12)
    }

    func testMultiStep() {
        let s = LRSchedule(baseLR: 0.01, warmupIters: 0, main: .multiStep(steps: [2, 4], gamma: 0.1), itersPerEpoch: 10)
        XCTAssertEqual(s.lr(iteration: 15, epoch: 1), 0.01, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 20, epoch: 2), 0.001, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 39, epoch: 3), 0.001, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 45, epoch: 4), 0.0001, accuracy: 1e-12)
        // With 25 warm-up iterations over 10-iteration epochs the main schedule starts stepping
        // after epoch 2 (FastReID's hook), so milestone 2 is reached at epoch 4.
        var w = s
        w.warmupIters = 25
        XCTAssertEqual(w.mainSteps(epoch: 3), 1)
        XCTAssertEqual(w.lr(iteration: 35, epoch: 3), 0.01, accuracy: 1e-12)
        XCTAssertEqual(w.lr(iteration: 45, epoch: 4), 0.001, accuracy: 1e-12)
    }

    func testCosineWithDelay() {
        // SBS-like: 10 epochs, flat for 4 (DELAY_EPOCHS), then cosine over T = 10 − 4 = 6 epochs.
        let s = LRSchedule(baseLR: 1, warmupIters: 0, delayEpochs: 4, main: .cosine(maxEpoch: 10, etaMin: 0.01), itersPerEpoch: 5)
        XCTAssertEqual(s.cosinePeriod, 6)
        XCTAssertEqual(s.lr(iteration: 0, epoch: 0), 1, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 15, epoch: 3), 1, accuracy: 1e-12)
        // Epoch 4: k = 4 − (4 − 1) = 1.
        XCTAssertEqual(s.lr(iteration: 20, epoch: 4), 0.01 + 0.99 * (1 + cos(Double.pi / 6)) / 2, accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 30, epoch: 6), 0.01 + 0.99 * 0.5 * (1 + cos(Double.pi / 2)), accuracy: 1e-12)
        XCTAssertEqual(s.lr(iteration: 45, epoch: 9), 0.01, accuracy: 1e-12)   // last epoch reaches η_min
        XCTAssertEqual(s.lr(iteration: 60, epoch: 12), 0.01, accuracy: 1e-12)  // clamped past the end
    }

    func testCosinePeriodAccountsForWarmup() {
        let s = LRSchedule(baseLR: 1, warmupIters: 15, main: .cosine(maxEpoch: 10, etaMin: 0), itersPerEpoch: 10)
        XCTAssertEqual(s.cosinePeriod, 8)  // ⌈15/10⌉ = 2 warm-up epochs
        XCTAssertEqual(s.lr(iteration: 14, epoch: 1), 0.1 + 0.9 * 14 / 15, accuracy: 1e-12)  // still warming up, k = 0
        XCTAssertEqual(s.lr(iteration: 20, epoch: 2), (1 + cos(Double.pi / 8)) / 2, accuracy: 1e-12)
    }

    func testScheduleFromConfig() throws {
        let c = try nnSchema.load(yaml: """
            SOLVER: {BASE_LR: 0.1, SCHED: CosineAnnealingLR, MAX_EPOCH: 4, WARMUP_ITERS: 0, ETA_MIN_LR: 0.0}
            """)
        let s = c.makeSchedule(itersPerEpoch: 10)
        XCTAssertEqual(s.lr(iteration: 20, epoch: 2), 0.05, accuracy: 1e-12)
    }
}
