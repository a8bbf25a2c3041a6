// Export: the cost of writing model.onnx for the reference student (ResNet-18 layout ×0.5,
// 128×64, BN folded), and how fast the exported graph runs in onnxruntime (Python, 2 intra-op
// threads, when importable) next to the native eval forward of the same model in this process —
// batch 1 latency and batch 64 throughput. Random weights: only speed is measured. onnxruntime is
// always timed in wall clock (inside Python), so with --cpu-time no ratio is printed.
import Foundation
import Tensor
import NN
import Export

enum ExportBench {
    static func run(markdown: Bool) {
        do { try measure(markdown: markdown) } catch { print("export bench failed: \(error)") }
    }

    static func measure(markdown: Bool) throws {
        let spec = ModelSpec.referenceStudent
        let model = try ReidModel(spec: spec, seed: 1)
        model.eval()
        let dir = NSTemporaryDirectory() + "reidkd-export-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/model.onnx"
        var bytes: [UInt8] = []
        let lowerTime = Timing.median(reps: 5) { bytes = try! ONNXExport.lower(model, inputSize: spec.inputSize).encoded() }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        var t = Table(["reference student, 128×64", "batch", "native", "onnxruntime", "onnxruntime speed-up (native ÷ onnxruntime time)"])
        t.add(["lower + encode model.onnx (\(fmt(Double(bytes.count) / 1e6, 2)) MB)", "–", fmt(lowerTime * 1e3, 1) + " ms", "–", "–"])
        for batch in [1, 64] {
            var rng = RandomGenerator(seed: 3)
            let x = Tensor.randn([batch] + [3] + spec.inputSize, rng: &rng)
            let native = Timing.median(reps: batch == 1 ? 50 : 5, warmup: 2) { _ = withNoGrad { model(x) } }
            let ort = try ONNXRuntimeCheck.medianSeconds(onnxPath: path, inputShape: [batch, 3] + spec.inputSize,
                                                         reps: batch == 1 ? 50 : 5, threads: Parallel.threads)
            func show(_ s: Double) -> String { batch == 1 ? fmt(s * 1e3, 2) + " ms" : fmt(Double(batch) / s, 0) + " img/s" }
            t.add(["eval forward", "\(batch)", show(native), ort.map(show) ?? "n/a (no onnxruntime)",
                   Timing.cpuTime ? "– (onnxruntime is timed in wall clock)" : ort.map { fmt(native / $0, 2) + "×" } ?? "–"])
        }
        print(t.render(markdown: markdown))
    }
}
