// Pointwise ops on one activation-sized tensor (64 × 96 × 16 × 8 floats = 3 MiB: MobileNetV2's
// expanded maps at 64×32 input), forward and forward+backward, against a plain copy of the same
// tensor (the memory-bound floor a one-input pointwise op cannot beat). Fastest run of many.
import Tensor

enum ElementwiseBench {
    static func run(markdown: Bool) {
        var rng = RandomGenerator(seed: 5)
        let shape = [64, 96, 16, 8]
        let x = Tensor.randn(shape, std: 3, rng: &rng), other = Tensor.randn(shape, rng: &rng)
        x.requiresGrad = true
        let seed = Tensor.ones(shape)
        let copyTime = Timing.best(seconds: 0.2) { _ = x.copy() }
        var table = Table(["op (64×96×16×8)", "fwd (ms)", "fwd × copy", "fwd+bwd (ms)", "fwd+bwd × copy"])
        table.add(["copy (reference)", fmt(1e3 * copyTime, 2), "1.00×", "–", "–"])
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("relu", { $0.relu() }),
            ("clamp 0…6", { $0.clamp(min: 0, max: 6) }),
            ("relu6 (hardtanh)", { $0.relu6() }),
            ("sigmoid", { $0.sigmoid() }),
            ("exp", { $0.exp() }),
            ("x + y", { $0 + other }),
            ("x · y", { $0 * other }),
        ]
        for (name, op) in ops {
            let tf = Timing.best(seconds: 0.2) { _ = withNoGrad { op(x) } }
            let tb = Timing.best(seconds: 0.3) { op(x).backward(seed); x.grad = nil }
            table.add([name, fmt(1e3 * tf, 2), fmt(tf / copyTime, 2) + "×", fmt(1e3 * tb, 2), fmt(tb / copyTime, 2) + "×"])
        }
        print(table.render(markdown: markdown))
    }
}
