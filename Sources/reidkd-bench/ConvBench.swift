// conv2d forward and forward+backward throughput on the conv layers of the reference student
// (ResNet-18 layout, widths 32-64-128-256, last stride 1) and of a MobileNetV2-style student,
// batch 64, for 64×32 and 128×64 network inputs. FLOPs count 2 per multiply-add; forward+backward
// is 3× forward (input gradient, weight gradient), 2× for the stem (no input gradient). Winograd
// does fewer multiplies; its GFLOP/s still count the direct convolution's FLOPs (effective rate).
// Each row is its fastest run over 0.1 s (forward) / 0.2 s (forward+backward), like the sgemm
// reference (Timing.best); the small-batch latency table keeps medians.
import Tensor
import Foundation

enum ConvBench {
    struct Layer {
        let name: String, cin: Int, cout: Int, k: Int, stride: Int, pad: Int, groups: Int
        let div: Int   // input feature map = network input / div
    }

    static let layers: [Layer] = [
        Layer(name: "stem 7×7/2 3→32", cin: 3, cout: 32, k: 7, stride: 2, pad: 3, groups: 1, div: 1),
        Layer(name: "3×3 32→32", cin: 32, cout: 32, k: 3, stride: 1, pad: 1, groups: 1, div: 4),
        Layer(name: "3×3/2 32→64", cin: 32, cout: 64, k: 3, stride: 2, pad: 1, groups: 1, div: 4),
        Layer(name: "3×3 64→64", cin: 64, cout: 64, k: 3, stride: 1, pad: 1, groups: 1, div: 8),
        Layer(name: "3×3/2 64→128", cin: 64, cout: 128, k: 3, stride: 2, pad: 1, groups: 1, div: 8),
        Layer(name: "3×3 128→128", cin: 128, cout: 128, k: 3, stride: 1, pad: 1, groups: 1, div: 16),
        Layer(name: "3×3 128→256", cin: 128, cout: 256, k: 3, stride: 1, pad: 1, groups: 1, div: 16),
        Layer(name: "3×3 256→256", cin: 256, cout: 256, k: 3, stride: 1, pad: 1, groups: 1, div: 16),
        Layer(name: "1×1/2 32→64", cin: 32, cout: 64, k: 1, stride: 2, pad: 0, groups: 1, div: 4),
        Layer(name: "1×1 64→256", cin: 64, cout: 256, k: 1, stride: 1, pad: 0, groups: 1, div: 4),
        Layer(name: "1×1 256→64", cin: 256, cout: 64, k: 1, stride: 1, pad: 0, groups: 1, div: 4),
        Layer(name: "1×1 128→256", cin: 128, cout: 256, k: 1, stride: 1, pad: 0, groups: 1, div: 16),
        Layer(name: "dw 3×3 96", cin: 96, cout: 96, k: 3, stride: 1, pad: 1, groups: 96, div: 4),
        Layer(name: "dw 3×3/2 144", cin: 144, cout: 144, k: 3, stride: 2, pad: 1, groups: 144, div: 4),
    ]

    static func run(sgemm: Double, markdown: Bool) {
        smallBatch(markdown: markdown)
        let batch = 64
        for (h, w) in [(64, 32), (128, 64)] {
            var table = Table(["layer (input \(h)×\(w), batch \(batch))", "map", "algorithm", "fwd GFLOP/s", "fwd eff", "fwd+bwd GFLOP/s", "fwd+bwd eff", "target"])
            for l in layers where selected(l) {
                // Stride-1 3×3 layers run both algorithms (Winograd also below its thresholds, to
                // show why they are where they are); the one conv2d picks is marked.
                let (ih, iw) = (h / l.div, w / l.div)
                let both = l.k == 3 && l.stride == 1 && l.groups == 1
                let picked: ConvAlgorithm = ConvAlgorithm.uses(.winograd, images: batch, cin: l.cin, cout: l.cout, h: ih, w: iw) ? .winograd : .im2col
                for algo in both ? [ConvAlgorithm.im2col, .winograd] : [.im2col] {
                    let algoName = l.groups > 1 ? "direct" : (algo == .winograd ? "winograd" : "im2col") + (both && algo == picked ? " *" : "")
                    forcing(algo) {
                        var rng = RandomGenerator(seed: 3)
                        let x = Tensor.randn([batch, l.cin, ih, iw], rng: &rng)
                        let wt = Parameter(Tensor.randn([l.cout, l.cin / l.groups, l.k, l.k], std: 0.1, rng: &rng))
                        let stem = l.div == 1
                        x.requiresGrad = !stem
                        let opts = Conv2dOptions(stride: l.stride, padding: l.pad, groups: l.groups)
                        let y0 = withNoGrad { conv2d(x, weight: wt, options: opts) }
                        let flops = 2.0 * Double(y0.count) * Double(l.cin / l.groups * l.k * l.k)
                        let seed = Tensor.ones(y0.shape)
                        let tf = Timing.best(seconds: 0.1) { _ = withNoGrad { conv2d(x, weight: wt, options: opts) } }
                        let tb = Timing.best(seconds: 0.2) {
                            let y = conv2d(x, weight: wt, options: opts)
                            y.backward(seed)
                            wt.grad = nil; x.grad = nil
                        }
                        let gf = flops / tf / 1e9, gb = (stem ? 2 : 3) * flops / tb / 1e9
                        let target: String
                        if l.groups == 1 && l.k == 3 && l.cin >= 64 { target = gb / sgemm >= 0.6 ? "≥60% ✓" : "≥60% ✗" }
                        else if l.groups == 1 && l.k == 1 { target = gb / sgemm >= 0.7 ? "≥70% ✓" : "≥70% ✗" }
                        else { target = "–" }
                        table.add([l.name, "\(ih)×\(iw)", algoName, fmt(gf), fmt(100 * gf / sgemm, 0) + "%", fmt(gb), fmt(100 * gb / sgemm, 0) + "%", target])
                    }
                }
            }
            print(table.render(markdown: markdown))
            print("* = the algorithm conv2d picks for the layer. Winograd GFLOP/s count the direct convolution's FLOPs (effective rate).")
        }
    }

    /// Forward time of the stride-1 3×3 layers at small batches (eval latency), both algorithms:
    /// Winograd's fixed costs (weight transform, 16 small GEMMs) decide the smallest batch for it.
    static func smallBatch(markdown: Bool) {
        var table = Table(["3×3 layer, 64×32 input", "map", "batch", "im2col fwd (ms)", "winograd fwd (ms)", "picked"])
        let rows = layers.filter { $0.k == 3 && $0.stride == 1 && $0.groups == 1 && $0.cin >= 64 && selected($0) }
        if rows.isEmpty { return }
        for l in rows {
            for batch in [1, 2, 4, 8, 16] {
                let (ih, iw) = (64 / l.div, 32 / l.div)
                var rng = RandomGenerator(seed: 3)
                let x = Tensor.randn([batch, l.cin, ih, iw], rng: &rng)
                let wt = Tensor.randn([l.cout, l.cin, 3, 3], std: 0.1, rng: &rng)
                var times: [Double] = []
                let picked = ConvAlgorithm.uses(.winograd, images: batch, cin: l.cin, cout: l.cout, h: ih, w: iw) ? "winograd" : "im2col"
                for algo in [ConvAlgorithm.im2col, .winograd] {
                    times.append(forcing(algo) { Timing.median(reps: 21) { _ = withNoGrad { conv2d(x, weight: wt, padding: 1) } } })
                }
                table.add([l.name, "\(ih)×\(iw)", "\(batch)", fmt(1e3 * times[0], 3), fmt(1e3 * times[1], 3), picked])
            }
        }
        print(table.render(markdown: markdown))
    }

    /// `BENCH_LAYERS=1×1,dw` limits both tables to the layers whose names contain one of the parts.
    static func selected(_ l: Layer) -> Bool {
        guard let only = ProcessInfo.processInfo.environment["BENCH_LAYERS"] else { return true }
        return only.split(separator: ",").contains { l.name.contains($0) }
    }

    /// Runs body with every stride-1 3×3 conv on `algo`: Winograd regardless of its channel and
    /// tile thresholds, or im2col.
    static func forcing<T>(_ algo: ConvAlgorithm, _ body: () -> T) -> T {
        let saved = (ConvAlgorithm.threeByThree, ConvAlgorithm.winogradMinChannels, ConvAlgorithm.winogradMinTiles)
        ConvAlgorithm.threeByThree = algo
        ConvAlgorithm.winogradMinChannels = 1
        ConvAlgorithm.winogradMinTiles = 0
        defer { (ConvAlgorithm.threeByThree, ConvAlgorithm.winogradMinChannels, ConvAlgorithm.winogradMinTiles) = saved }
        return body()
    }
}
