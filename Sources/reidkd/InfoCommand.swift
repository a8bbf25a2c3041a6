import ArgumentParser
import Foundation
import Tensor
import BuildInfo

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the version, CPU, BLAS kernel and worker threads.")

    @Flag(help: "Print only the environment assignments that select this process's BLAS kernel (for `env $(reidkd info --blas-env) …`).")
    var blasEnv = false

    func run() throws {
        let blas = BLASKernel.status
        if blasEnv {
            let env = ProcessInfo.processInfo.environment
            let vars = [BLASKernel.coretypeVariable, BLASKernel.stateVariable].compactMap { k in env[k].map { "\(k)=\($0)" } }
            print(vars.joined(separator: " "))
            return
        }
        print("reidkd \(ReidKDInfo.version) (commit \(BuildInfo.codeVersion))")
        print("CPU: \(CPUFeatures.host)")
        print("BLAS: \(blas)")
        print(String(format: "GEMM self-check: %@ (%d cases, worst relative error %.1e)",
                     blas.selfCheck.passed ? "passed" : "FAILED", blas.selfCheck.cases, blas.selfCheck.worstRelativeError))
        print("worker threads: \(Parallel.threads) (set REIDKD_THREADS to change)")
        print("GEMM: OpenBLAS sgemm, one library thread per call, split over the workers; \(DirectGEMM.status)")
    }
}
