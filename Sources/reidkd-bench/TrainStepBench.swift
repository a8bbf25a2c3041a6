// One training step of the reference student (ResNet-18 layout at width 0.5: 32-64-128-256,
// last stride 1, GAP, BNNeck, linear classifier, 751 classes), batch 64: forward, CE loss
// (ε 0.1), backward, plain SGD update p ← p − lr·g written inline. FLOPs: 2 per MAC; a training
// step is 3× the forward (input and weight gradients), except the stem conv, whose input needs
// no gradient (2×). MACs come from the model's own counter on a training-mode forward (so the
// classifier is included). Then each conv and BN call of the step is replayed alone
// (forward+backward, same shapes) to show where the time goes; "other" is the remainder
// (ReLU, additions, pooling, loss, autograd bookkeeping, SGD). The step is timed with the default
// conv algorithms and with im2col for every 3×3; GFLOP/s count direct-convolution FLOPs, so with
// Winograd (fewer multiplies) they are an effective rate.
import Foundation
import NN
import Tensor

enum TrainStepBench {
    static func run(sgemm: Double, markdown: Bool) {
        let batch = 64
        var summary = Table(["input", "3×3 algorithm", "batch", "fwd GMAC/img", "step (s)", "images/s", "GFLOP/s", "eff vs sgemm", "target"])
        var breakdowns: [(String, Table)] = []
        // BENCH_STUDENT=mobilenetv2: the demo's other student (MobileNetV2 at width 0.5).
        let other = ProcessInfo.processInfo.environment["BENCH_STUDENT"] == "mobilenetv2"
        for (h, w) in [(64, 32), (128, 64)] {
            var spec = ModelSpec.referenceStudent
            spec.inputSize = [h, w]
            if other { spec.backbone = "mobilenetv2"; spec.width = 0.5 }
            let model = try! ReidModel(spec: spec, seed: 1)
            var rng = RandomGenerator(seed: 2)
            let x = Tensor.randn([batch, 3, h, w], rng: &rng)
            let y = (0..<batch).map { _ in rng.int(below: spec.numClasses) }
            let params = model.trainableParameters()
            var counter = MACCounter()
            func step(counting: Bool = false) {
                model.zeroGrad()
                var out: ReidOutput!
                if counting { counter = MACCounter.count { out = model.forward(x, targets: y) } }
                else { out = model.forward(x, targets: y) }
                crossEntropyLoss(out.logits!, targets: y, epsilon: 0.1).backward()
                for p in params {
                    guard let g = p.grad else { continue }
                    let pp = p.pointer, gp = g.pointer
                    for i in 0..<p.count { pp[i] -= 0.01 * gp[i] }
                }
            }
            step(counting: true)
            let stemMACs = counter.calls.first.map { c -> Int in
                let conv = c.module as! Conv2d
                return conv.outChannels * 3 * conv.kernel * conv.kernel * (h / 2) * (w / 2) * batch
            } ?? 0
            let flops = 2.0 * Double(3 * counter.total - stemMACs)
            // The default (Winograd for stride-1 3×3 at ≥ 64 channels) and the im2col path alone.
            var t = 0.0
            for algo in [ConvAlgorithm.winograd, .im2col] {
                let saved = ConvAlgorithm.threeByThree
                ConvAlgorithm.threeByThree = algo
                defer { ConvAlgorithm.threeByThree = saved }
                let ta = Timing.median(reps: 5) { step() }
                if algo == .winograd { t = ta }
                let gf = flops / ta / 1e9, eff = gf / sgemm
                let target = h == 128 && !other ? (eff >= 0.7 ? "≥70% ✓" : "≥70% ✗") : "–"
                summary.add(["\(h)×\(w)", algo == .winograd ? "winograd (default)" : "im2col", "\(batch)", fmt(Double(counter.total) / Double(batch) / 1e9, 3), fmt(ta, 3),
                             fmt(Double(batch) / ta, 0), fmt(gf), fmt(100 * eff, 0) + "%", target])
            }
            breakdowns.append(("\(h)×\(w)", breakdown(counter, step: t)))
        }
        print(summary.render(markdown: markdown))
        for (size, table) in breakdowns {
            print("Where a \(size) training step goes (each call replayed alone, forward+backward, median of 3):")
            print(table.render(markdown: markdown))
        }
    }

    /// Times each recorded conv/BN call alone (train mode, input requiring a gradient except the
    /// stem's) and sums by kind.
    static func breakdown(_ counter: MACCounter, step: Double) -> Table {
        var byKind: [String: (time: Double, macs: Double, calls: Int)] = [:]
        var order: [String] = []
        for (i, c) in counter.calls.enumerated() {
            guard let layer = c.module as? any Layer else { continue }
            var rng = RandomGenerator(seed: UInt64(i))
            let x = Tensor.randn(c.inputShape, rng: &rng)
            x.requiresGrad = i > 0
            let y0 = withNoGrad { layer.forward(x) }
            let seed = Tensor.ones(y0.shape)
            var macs = 0.0
            if let conv = layer as? Conv2d {
                macs = Double(y0.count * (conv.inChannels / conv.options.groups) * conv.kernel * conv.kernel)
            }
            let t = Timing.median(reps: 3) {
                layer.forward(x).backward(seed)
                x.grad = nil
                layer.zeroGrad()
            }
            if byKind[c.kind] == nil { order.append(c.kind) }
            let e = byKind[c.kind] ?? (0, 0, 0)
            byKind[c.kind] = (e.time + t, e.macs + macs * (i > 0 ? 3 : 2) * 2, e.calls + 1)
        }
        var table = Table(["layer kind", "calls", "time (s)", "share of step", "GFLOP/s"])
        var sum = 0.0
        for k in order {
            let e = byKind[k]!
            sum += e.time
            table.add([k, "\(e.calls)", fmt(e.time, 3), fmt(100 * e.time / step, 0) + "%", e.macs > 0 ? fmt(e.macs / e.time / 1e9) : "–"])
        }
        table.add(["other (relu, add, pool, head, loss, autograd, SGD)", "–", fmt(max(0, step - sum), 3),
                   fmt(100 * max(0, step - sum) / step, 0) + "%", "–"])
        return table
    }
}
