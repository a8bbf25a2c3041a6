// The frozen teacher's forward (eval mode, no-grad, batch 64) with and without its BatchNorms
// folded into the convolutions (`InferenceFolding`), for the teacher layouts the sweeps use.
// Random weights with non-trivial BN statistics: only speed is measured (equality of the
// outputs is a unit test).
import Foundation
import Tensor
import NN

enum TeacherFoldBench {
    static func run(markdown: Bool) {
        print("Teacher forward, batch 64, eval + no-grad: BN kept vs folded into the convs")
        var t = Table(["teacher", "input", "BN kept img/s", "folded img/s", "speed-up"])
        let cases: [(String, Int, Double, [Int])] = [
            ("ResNet-18 ×0.5", 18, 0.5, [64, 32]), ("ResNet-18 ×0.5", 18, 0.5, [128, 64]),
            ("ResNet-18", 18, 1, [128, 64]), ("ResNet-50", 50, 1, [128, 64]),
        ]
        for (name, depth, width, size) in cases {
            var spec = ModelSpec()
            spec.depth = depth; spec.width = width; spec.numClasses = 751; spec.inputSize = size
            // Two copies with the same weights, timed alternately so load changes hit both.
            guard let model = try? ReidModel(spec: spec, seed: 1), let twin = try? ReidModel(spec: spec, seed: 1) else { continue }
            var rng = RandomGenerator(seed: 2)
            for (m, n) in zip(model.namedModules(), twin.namedModules()) {
                guard let bn = m.1 as? BatchNorm, let bn2 = n.1 as? BatchNorm else { continue }
                bn.runningVar.assign(Tensor.uniform([bn.runningVar.count], low: 0.5, high: 2, rng: &rng))
                bn2.runningVar.assign(bn.runningVar)
            }
            _ = model.eval(); _ = twin.eval()
            InferenceFolding.fold(twin)
            let x = Tensor.randn([64, 3, size[0], size[1]], rng: &rng)
            var keptTimes: [Double] = [], foldedTimes: [Double] = []
            _ = withNoGrad { model.forward(x) }; _ = withNoGrad { twin.forward(x) }
            for _ in 0..<(depth >= 50 ? 3 : 5) {
                keptTimes.append(Timing.median(reps: 1, warmup: 0) { _ = withNoGrad { model.forward(x) } })
                foldedTimes.append(Timing.median(reps: 1, warmup: 0) { _ = withNoGrad { twin.forward(x) } })
            }
            let kept = keptTimes.sorted()[keptTimes.count / 2], folded = foldedTimes.sorted()[foldedTimes.count / 2]
            t.add([name, "\(size[0])×\(size[1])", fmt(64 / kept), fmt(64 / folded), fmt(kept / folded, 2) + "×"])
        }
        print(t.render(markdown: markdown))
    }
}
