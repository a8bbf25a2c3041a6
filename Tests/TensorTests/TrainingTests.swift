// End-to-end checks of the engine: a tiny conv net overfits a fixed batch, and a 200-step
// training loop keeps a flat resident set (no leaked graphs or buffers).
import XCTest
import Foundation
@testable import Tensor

/// conv(3→c, 3×3, pad 1) → ReLU → conv(c→c, 3×3, stride 2, pad 1) → ReLU → GAP → linear(c→k).
final class TinyConvNet {
    let w1: Parameter, b1: Parameter, w2: Parameter, b2: Parameter, fc: Parameter, fcb: Parameter
    init(channels c: Int, classes k: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        w1 = Parameter(Tensor.randn([c, 3, 3, 3], std: (2.0 / 27).squareRoot(), rng: &rng))
        b1 = Parameter(Tensor.zeros([c]))
        w2 = Parameter(Tensor.randn([c, c, 3, 3], std: (2.0 / Float(9 * c)).squareRoot(), rng: &rng))
        b2 = Parameter(Tensor.zeros([c]))
        fc = Parameter(Tensor.randn([k, c], std: 0.1, rng: &rng))
        fcb = Parameter(Tensor.zeros([k]))
    }
    var parameters: [Parameter] { [w1, b1, w2, b2, fc, fcb] }
    func callAsFunction(_ x: Tensor) -> Tensor {
        let h1 = conv2d(x, weight: w1, bias: b1, padding: 1).relu()
        let h2 = conv2d(h1, weight: w2, bias: b2, stride: 2, padding: 1).relu()
        return linear(globalAvgPool2d(h2), weight: fc, bias: fcb)
    }
}

/// Mean cross-entropy of logits (N, K) against integer labels.
func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Tensor {
    let k = logits.shape[1]
    var onehot = [Float](repeating: 0, count: labels.count * k)
    for (i, y) in labels.enumerated() { onehot[i * k + y] = 1 }
    return -(logits.logSoftmax() * Tensor(shape: logits.shape, scalars: onehot)).sum() / Float(labels.count)
}

/// SGD with momentum 0.9 (the real optimizers live in NN; this keeps the engine test standalone).
func sgdStep(_ params: [Parameter], _ velocity: inout [[Float]], lr: Float) {
    if velocity.isEmpty { velocity = params.map { [Float](repeating: 0, count: $0.count) } }
    for (k, p) in params.enumerated() {
        guard let g = p.grad else { continue }
        for i in 0..<p.count {
            velocity[k][i] = 0.9 * velocity[k][i] + g.pointer[i]
            p.pointer[i] -= lr * velocity[k][i]
        }
        p.grad = nil
    }
}

func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = s.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

final class TrainingTests: XCTestCase {
    func testTinyConvNetOverfitsFixedBatch() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randn([8, 3, 12, 12], rng: &rng)
        let labels = [0, 1, 2, 3, 0, 1, 2, 3]
        let net = TinyConvNet(channels: 8, classes: 4, seed: 5)
        var velocity: [[Float]] = []
        var first: Float = 0, last: Float = 0
        for step in 0..<150 {
            let loss = crossEntropy(net(x), labels)
            if step == 0 { first = loss.item() }
            last = loss.item()
            loss.backward()
            sgdStep(net.parameters, &velocity, lr: 0.05)
        }
        XCTAssertLessThan(last, 0.1 * first, "loss \(first) → \(last): expected a fall of at least 90%")
    }

    func testTrainingLoopHasFlatResidentSet() throws {
        guard residentBytes() > 0 else { throw XCTSkip("/proc/self/statm not readable") }
        var rng = RandomGenerator(seed: 12)
        let x = Tensor.randn([8, 3, 32, 16], rng: &rng)
        let labels = [0, 1, 2, 3, 4, 5, 6, 7]
        let net = TinyConvNet(channels: 16, classes: 8, seed: 6)
        var velocity: [[Float]] = []
        var early = 0, late = 0
        for step in 0..<200 {
            let loss = crossEntropy(net(x), labels)
            loss.backward()
            sgdStep(net.parameters, &velocity, lr: 0.01)
            let rss = residentBytes()
            if step >= 10 && step < 30 { early = max(early, rss) }
            if step >= 180 { late = max(late, rss) }
        }
        // One leaked activation per step would add ≈ 260 KiB × 170 steps ≈ 44 MiB.
        XCTAssertLessThan(late - early, 4 << 20, "resident set grew from \(early >> 10) KiB to \(late >> 10) KiB")
    }
}
