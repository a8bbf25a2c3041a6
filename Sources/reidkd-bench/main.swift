// reidkd-bench: the `make bench` program. Each section measures in this process, next to its own
// reference figure (sgemm for kernels), and prints a table; `--markdown` prints tables ready for
// docs/PERFORMANCE.md.
//   reidkd-bench [--markdown] [--cpu-time] [section ...]     sections: gemm conv train-step (default: all)
import Foundation
import Tensor

var args = Array(CommandLine.arguments.dropFirst())
let markdown = args.contains("--markdown")
Timing.cpuTime = args.contains("--cpu-time")
args.removeAll { $0.hasPrefix("--") }
let all = ["gemm", "conv", "train-step"]
let sections = args.isEmpty ? all : args
for s in sections where !all.contains(s) {
    FileHandle.standardError.write("reidkd-bench: unknown section '\(s)'; choose from \(all.joined(separator: ", "))\n".data(using: .utf8)!)
    exit(2)
}

print("ReidKD benchmarks — threads: \(Parallel.threads), host: \(ProcessInfo.processInfo.hostName), timing: \(Timing.cpuTime ? "process CPU time" : "wall clock")")
let sgemm = GemmBench.referenceGFLOPs()
print(String(format: "OpenBLAS sgemm 1024³, 2 library threads: %.1f GFLOP/s (reference for efficiencies)\n", sgemm))
if sections.contains("gemm") { GemmBench.run(sgemm: sgemm, markdown: markdown) }
if sections.contains("conv") { ConvBench.run(sgemm: sgemm, markdown: markdown) }
if sections.contains("train-step") { TrainStepBench.run(sgemm: sgemm, markdown: markdown) }
