// What every finished run records besides its metrics: size (parameters, forward GFLOPs per
// image at the test size), speed (latency at batch 1, throughput at batch 64, eval mode,
// no-grad), and the process's peak resident memory.
import Foundation
import Tensor
import Config
import NN
import Data
import Eval

public enum RunMeasurements {
    /// The summary of a run: its headline evaluation (first DATASETS.TESTS entry) as mAP, R1 …,
    /// the other test sets as mAP@NAME, R1@NAME …, and its size and speed; `extra` added.
    public static func summary(model: ReidModel, config c: ResolvedConfig, evaluation: EvalResult?,
                               others: [(name: String, result: EvalResult)], extra: [String: Double]) -> [String: Double] {
        var s = extra
        for (suffix, e) in (evaluation.map { [("", $0)] } ?? []) + others.map({ ("@" + $0.name, $0.result) }) {
            s["R1" + suffix] = e.rank1 * 100; s["R5" + suffix] = e.rank5 * 100; s["R10" + suffix] = e.rank10 * 100
            s["mAP" + suffix] = e.mAP * 100; s["mINP" + suffix] = e.mINP * 100
        }
        s["params_M"] = Double(parameterCount(model)) / 1e6
        let sizeTest = c[\InputKeys.sizeTest]
        s["gflops"] = gflops(model, inputSize: sizeTest)
        let (ms1, ips64) = latency(model, inputSize: sizeTest)
        s["latency_ms_b1"] = ms1; s["images_per_second_b64"] = ips64
        s["peak_rss_mib"] = peakRSSMiB()
        s["threads"] = Double(Parallel.threads)
        return s
    }

    public static func parameterCount(_ m: ReidModel) -> Int { m.parameters().reduce(0) { $0 + $1.count } }

    public static func gflops(_ m: ReidModel, inputSize: [Int]) -> Double {
        // 1 MAC = 2 FLOPs.
        Double(m.forwardMACs(inputShape: [3] + inputSize).total) * 2 / 1e9
    }

    /// (ms per image at batch 1, images/s at batch 64), medians of a few repetitions.
    public static func latency(_ m: ReidModel, inputSize: [Int], repeats: Int = 5) -> (msBatch1: Double, imagesPerSecond64: Double) {
        let wasTraining = m.isTraining
        _ = m.eval()
        defer { _ = m.train(wasTraining) }
        func median(_ batch: Int, _ n: Int) -> Double {
            var rng = RandomGenerator(seed: 1)
            let x = Tensor.randn([batch] + [3] + inputSize, rng: &rng)
            _ = withNoGrad { m.forward(x) }   // warm-up
            var t: [Double] = []
            for _ in 0..<n {
                let s = Date()
                _ = withNoGrad { m.forward(x) }
                t.append(Date().timeIntervalSince(s))
            }
            return t.sorted()[t.count / 2]
        }
        return (median(1, repeats * 4) * 1000, 64 / median(64, repeats))
    }

    /// Peak resident set size of this process in MiB (Linux: VmHWM).
    public static func peakRSSMiB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
