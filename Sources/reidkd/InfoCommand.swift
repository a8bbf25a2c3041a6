import ArgumentParser
import Tensor

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the version, worker threads and linear-algebra backend.")

    func run() throws {
        print("reidkd \(ReidKDInfo.version)")
        print("worker threads: \(Parallel.threads) (set REIDKD_THREADS to change)")
        print("GEMM: OpenBLAS sgemm, one library thread per call, split over the workers")
    }
}
