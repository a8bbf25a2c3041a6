// reidkd-bench: the `make bench` program. Each section measures in this process, next to its own
// reference figure (sgemm for kernels, a plain implementation for algorithms), and prints a
// table; `--markdown` prints tables ready for docs/PERFORMANCE.md.
//   reidkd-bench [--markdown] [--cpu-time] [section ...]     (default: all sections, in order)
//   reidkd-bench peers     ReidKD's side of `make bench-peers` (requests on stdin, PeersBench.swift)
// A new section is one file plus one line in `sections` below.
import Foundation
import Tensor

BLASKernel.selectAtStartup()   // the best kernel this CPU has, so efficiencies are against it
var args = Array(CommandLine.arguments.dropFirst())
let markdown = args.contains("--markdown")
Timing.cpuTime = args.contains("--cpu-time")
args.removeAll { $0.hasPrefix("--") }
if args == ["peers"] { PeersBench.run(); exit(0) }   // a request server for Scripts/bench_peers.py, not a table

print("ReidKD benchmarks — threads: \(Parallel.threads), host: \(ProcessInfo.processInfo.hostName), timing: \(Timing.cpuTime ? "process CPU time" : "wall clock")")
let sgemm = GemmBench.referenceGFLOPs()
print("CPU: \(CPUFeatures.host)\nBLAS: \(BLASKernel.status)")
print(String(format: "OpenBLAS sgemm 1024³, 2 library threads: %.1f GFLOP/s (fastest run; reference for efficiencies)\n", sgemm))

let sections: [(name: String, run: () -> Void)] = [
    ("gemm", { GemmBench.run(sgemm: sgemm, markdown: markdown) }),
    ("conv", { ConvBench.run(sgemm: sgemm, markdown: markdown) }),
    ("train-step", { TrainStepBench.run(sgemm: sgemm, markdown: markdown) }),
    ("elementwise", { ElementwiseBench.run(markdown: markdown) }),
    ("distill", { DistillBench.run(markdown: markdown) }),
    ("data", { DataBench.run(markdown: markdown) }),
    ("store", { StoreBench.run(markdown: markdown) }),
    ("optim", { OptimBench.run(markdown: markdown) }),
    ("eval", { EvalBench.run(markdown: markdown) }),
    ("rerank", { EvalBench.runReRanking(markdown: markdown) }),
    ("rerank-market", { EvalBench.runMarketReRanking(markdown: markdown) }),
    ("export", { ExportBench.run(markdown: markdown) }),
]
let chosen = args.isEmpty ? sections.map { $0.name } : args
for s in chosen where !sections.contains(where: { $0.name == s }) {
    FileHandle.standardError.write("reidkd-bench: unknown section '\(s)'; choose from \(sections.map { $0.name }.joined(separator: ", "))\n".data(using: .utf8)!)
    exit(2)
}
for s in sections where chosen.contains(s.name) { s.run() }
