// Optimizer step and checkpoint save/load on the parameter set of the reference student
// (ResNet-18 layout, widths 32-64-128-256, BNNeck, 751-class linear classifier). The reference
// figure is a memcpy of the same bytes in the same run: an optimizer step is memory-bound, so
// its cost is best read as "how many parameter-sized copies".
import Foundation
import NN
import Tensor

enum OptimBench {
    /// (name, shape) of the reference student's trainable tensors.
    static func studentShapes() -> [(String, [Int])] {
        var s: [(String, [Int])] = [("backbone.conv1.weight", [32, 3, 7, 7]), ("backbone.bn1.weight", [32]), ("backbone.bn1.bias", [32])]
        var cin = 32
        for (li, w) in [32, 64, 128, 256].enumerated() {
            for b in 0..<2 {
                let p = "backbone.layer\(li + 1).\(b)"
                s.append(("\(p).conv1.weight", [w, b == 0 ? cin : w, 3, 3]))
                s += [("\(p).bn1.weight", [w]), ("\(p).bn1.bias", [w]), ("\(p).conv2.weight", [w, w, 3, 3]), ("\(p).bn2.weight", [w]), ("\(p).bn2.bias", [w])]
                if b == 0 && cin != w {
                    s += [("\(p).downsample.0.weight", [w, cin, 1, 1]), ("\(p).downsample.1.weight", [w]), ("\(p).downsample.1.bias", [w])]
                }
            }
            cin = w
        }
        s += [("heads.bottleneck.0.weight", [256]), ("heads.classifier.weight", [751, 256])]
        return s
    }

    static func run(markdown: Bool) {
        var rng = RandomGenerator(seed: 1)
        let named = studentShapes().map { ($0.0, Parameter(Tensor.randn($0.1, std: 0.01, rng: &rng))) }
        for (_, p) in named { p.grad = Tensor.randn(p.shape, std: 0.01, rng: &rng) }
        let count = named.reduce(0) { $0 + $1.1.count }
        let rules = ParameterGroupRules()
        // memcpy of all parameters, as the reference.
        let copies = named.map { Tensor.empty($0.1.shape) }
        let tCopy = Timing.median(reps: 21) { for (c, (_, p)) in zip(copies, named) { c.pointer.update(from: p.pointer, count: p.count) } }

        var table = Table(["operation (\(String(format: "%.2f", Double(count) / 1e6)) M params)", "ms", "× memcpy of the params"])
        table.add(["memcpy (reference)", fmt(tCopy * 1e3, 3), "1.0"])
        let opts: [(String, Optimizer)] = [
            ("SGD momentum step", SGD(rules.apply(to: named), learningRate: 1e-6, momentum: 0.9)),
            ("SGD Nesterov step", SGD(rules.apply(to: named), learningRate: 1e-6, momentum: 0.9, nesterov: true)),
            ("Adam step", Adam(rules.apply(to: named), learningRate: 1e-6)),
            ("AdamW step", Adam(rules.apply(to: named), learningRate: 1e-6, decoupled: true)),
        ]
        for (label, opt) in opts {
            let t = Timing.median(reps: 21) { opt.step() }
            table.add([label, fmt(t * 1e3, 3), fmt(t / tCopy, 1)])
        }
        let tClip = Timing.median(reps: 21) { GradientClipping.clipGlobalNorm(named.map(\.1), maxNorm: 1e9) }
        table.add(["global-norm clip (norm only)", fmt(tClip * 1e3, 3), fmt(tClip / tCopy, 1)])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-bench-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sd = named.map { ($0.0, $0.1 as Tensor) }
        let tSave = Timing.median(reps: 5) { try! Checkpoint.save(sd, to: path) }
        let tLoad = Timing.median(reps: 5) { try! Checkpoint.load(into: sd, from: path) }
        table.add(["checkpoint save (safetensors, atomic)", fmt(tSave * 1e3, 2), fmt(tSave / tCopy, 1)])
        table.add(["checkpoint load into model", fmt(tLoad * 1e3, 2), fmt(tLoad / tCopy, 1)])
        print("## optim — optimizer step and checkpoint I/O, reference student parameter set\n")
        print(table.render(markdown: markdown))
    }
}
