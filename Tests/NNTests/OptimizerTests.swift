// Optimizer steps against hand-computed updates (SGD) and golden values from
// Scripts/optimizer_golden.py (Adam/AdamW); parameter classes; clipping; freezing.
import XCTest
import Config
@testable import NN
@testable import Tensor

final class OptimizerTests: XCTestCase {
    private func param(_ v: [Float]) -> Parameter { Parameter(Tensor(v)) }
    private func setGrad(_ p: Parameter, _ g: [Float]) { p.grad = Tensor(g) }

    func testSGDMomentumWeightDecayHandComputed() {
        let p = param([1, 2])
        let opt = SGD([OptimizedParameter(name: "w", parameter: p, weightDecay: 0.01)], learningRate: 0.1, momentum: 0.9)
        setGrad(p, [0.5, -1]); opt.step()
        // d = g + 0.01·θ = [0.51, −0.98]; buffer = d; θ −= 0.1·d
        XCTAssertEqual(p.scalars[0], 0.949, accuracy: 1e-6)
        XCTAssertEqual(p.scalars[1], 2.098, accuracy: 1e-6)
        setGrad(p, [0.5, -1]); opt.step()
        // d = [0.50949, −0.97902]; buffer = 0.9·[0.51, −0.98] + d = [0.96849, −1.86102]
        XCTAssertEqual(p.scalars[0], 0.852151, accuracy: 1e-6)
        XCTAssertEqual(p.scalars[1], 2.284102, accuracy: 1e-6)
        XCTAssertEqual(opt.stepCount, 2)
        XCTAssertEqual(opt.stateDict().map(\.0), ["w.momentum_buffer"])
    }

    func testSGDNesterovAndPlain() {
        let p = param([1, 2])
        let opt = SGD([OptimizedParameter(name: "w", parameter: p, weightDecay: 0.01)], learningRate: 0.1, momentum: 0.9, nesterov: true)
        setGrad(p, [0.5, -1]); opt.step()
        // update = d + 0.9·buffer = 1.9·[0.51, −0.98]
        XCTAssertEqual(p.scalars[0], 1 - 0.1 * 1.9 * 0.51, accuracy: 1e-6)
        XCTAssertEqual(p.scalars[1], 2 + 0.1 * 1.9 * 0.98, accuracy: 1e-6)

        let q = param([3])
        let plain = SGD([OptimizedParameter(name: "q", parameter: q)], learningRate: 0.5, momentum: 0)
        setGrad(q, [2]); plain.step()
        XCTAssertEqual(q.scalars[0], 2, accuracy: 1e-7)
        XCTAssertTrue(plain.stateDict().isEmpty)
    }

    func testAdamAndAdamWGolden() {
        // Scripts/optimizer_golden.py
        let expected: [Bool: [Float]] = [false: [0.900000002, 0.861352997, 0.807874555], true: [0.890000002, 0.861950199, 0.818587929]]
        for decoupled in [false, true] {
            // 19 equal elements: two 8-lane blocks and a scalar tail must all agree with the golden.
            let p = param([Float](repeating: 1, count: 19))
            let opt = Adam([OptimizedParameter(name: "p", parameter: p, weightDecay: 0.1)], learningRate: 0.1, decoupled: decoupled)
            for (i, g) in [Float(0.5), -0.3, 0.2].enumerated() {
                setGrad(p, [Float](repeating: g, count: 19)); opt.step()
                for x in p.scalars { XCTAssertEqual(x, expected[decoupled]![i], accuracy: 2e-6, "\(opt.kind) step \(i + 1)") }
                XCTAssertEqual(Set(p.scalars).count, 1, "SIMD lanes and scalar tail differ")
            }
            XCTAssertEqual(opt.stateDict().map(\.0), ["p.step", "p.exp_avg", "p.exp_avg_sq"])
            XCTAssertEqual(opt.stateDict()[0].1.shape, [])
        }
    }

    func testParameterKindsAndRules() {
        XCTAssertEqual(ParameterKind.of(name: "backbone.conv1.weight", rank: 4), .weight)
        XCTAssertEqual(ParameterKind.of(name: "backbone.bn1.weight", rank: 1), .norm)
        XCTAssertEqual(ParameterKind.of(name: "backbone.bn1.bias", rank: 1), .bias)
        XCTAssertEqual(ParameterKind.of(name: "heads.pool.p", rank: 1), .norm)
        XCTAssertEqual(ParameterKind.of(name: "heads.classifier.weight", rank: 2), .weight)
        let frozen = Parameter(Tensor([0, 0]), frozen: true)
        let named: [(String, Parameter)] = [
            ("conv.weight", Parameter(Tensor.zeros([2, 2]))), ("bn.weight", param([1, 1])),
            ("conv.bias", param([0, 0])), ("heads.bottleneck.bias", frozen),
        ]
        let rules = ParameterGroupRules(weightDecay: 1e-3, weightDecayNorm: 0, weightDecayBias: 0, biasLRFactor: 2)
        let ps = rules.apply(to: named)
        XCTAssertEqual(ps.map(\.name), ["conv.weight", "bn.weight", "conv.bias"])  // frozen left out
        XCTAssertEqual(ps.map(\.weightDecay), [1e-3, 0, 0])
        XCTAssertEqual(ps.map(\.lrFactor), [1, 1, 2])
        // The bias LR factor reaches the update: lr 0.1 × 2, gradient 1 → −0.2.
        let opt = SGD(ps, learningRate: 0.1, momentum: 0)
        for p in ps { p.parameter.grad = Tensor.ones(p.parameter.shape) }
        opt.step()
        XCTAssertEqual(ps[2].parameter.scalars, [-0.2, -0.2])
        XCTAssertEqual(ps[0].parameter.scalars, [-0.1, -0.1, -0.1, -0.1])
    }

    func testFreezeSkipsBackboneOnly() {
        let bb = param([1]), head = param([1])
        let opt = SGD([OptimizedParameter(name: "backbone.conv1.weight", parameter: bb),
                       OptimizedParameter(name: "heads.classifier.weight", parameter: head)], learningRate: 1, momentum: 0.9)
        let freeze = FreezeSchedule(prefixes: ["backbone"], iterations: 2)
        XCTAssertTrue(freeze.isFrozen("backbone.conv1.weight", iteration: 1))
        XCTAssertFalse(freeze.isFrozen("backbone.conv1.weight", iteration: 2))
        XCTAssertFalse(freeze.isFrozen("backbones.x", iteration: 0))   // prefix is a whole component
        XCTAssertFalse(freeze.isFrozen("heads.classifier.weight", iteration: 0))
        for it in 0..<3 {
            bb.grad = Tensor([1]); head.grad = Tensor([1])
            opt.step(skip: freeze.skipPredicate(iteration: it))
        }
        XCTAssertNil(freeze.skipPredicate(iteration: 2))
        // Head: 3 momentum steps: buffers 1, 1.9, 2.71 → θ = 1 − 5.61. Backbone: one fresh step.
        XCTAssertEqual(head.scalars[0], 1 - 5.61, accuracy: 1e-5)
        XCTAssertEqual(bb.scalars[0], 0, accuracy: 1e-7)
    }

    func testGlobalNormClipping() {
        let a = param([0, 0]), b = param([0])
        a.grad = Tensor([3, 0]); b.grad = Tensor([4])
        let norm = GradientClipping.clipGlobalNorm([a, b], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[0], 0.8, accuracy: 1e-5)
        // Below the limit: untouched.
        a.grad = Tensor([0.3, 0]); b.grad = Tensor([0.4])
        GradientClipping.clipGlobalNorm([a, b], maxNorm: 1)
        XCTAssertEqual(a.grad!.scalars, [0.3, 0])
        // Infinity norm and value clipping.
        a.grad = Tensor([3, -6]); b.grad = Tensor([2])
        XCTAssertEqual(GradientClipping.clipGlobalNorm([a, b], maxNorm: 3, normType: .infinity), 6, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[1], -3, accuracy: 1e-5)
        a.grad = Tensor([3, -6])
        GradientClipping.clipValue([a], value: 1)
        XCTAssertEqual(a.grad!.scalars, [1, -1])
    }

    func testOptimizerFromConfig() throws {
        var c = try nnSchema.load(yaml: "SOLVER: {OPT: SGD, BASE_LR: 0.05, NESTEROV: true, BIAS_LR_FACTOR: 2.0}")
        let named: [(String, Parameter)] = [("fc.weight", Parameter(Tensor.zeros([2, 2]))), ("fc.bias", param([0, 0]))]
        let opt = c.makeOptimizer(named)
        XCTAssertEqual(opt.kind, "SGD")
        XCTAssertEqual((opt as? SGD)?.nesterov, true)
        XCTAssertEqual(opt.learningRate, 0.05)
        XCTAssertEqual(opt.parameters[1].lrFactor, 2)
        try ConfigLoader.apply(overrides: ["SOLVER.OPT", "AdamW"], to: &c)
        XCTAssertEqual(c.makeOptimizer(named).kind, "AdamW")
    }
}
