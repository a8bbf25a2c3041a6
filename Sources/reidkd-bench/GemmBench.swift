// sgemm reference figure and our parallel wrapper on the same shapes.
import Tensor

enum GemmBench {
    static func buffers(_ n: Int) -> (Tensor, Tensor, Tensor) {
        var rng = RandomGenerator(seed: 1)
        return (Tensor.randn([n, n], rng: &rng), Tensor.randn([n, n], rng: &rng), Tensor.empty([n, n]))
    }

    /// OpenBLAS's own 2-thread sgemm on 1024³, fastest run (the figure efficiencies are measured against).
    static func referenceGFLOPs() -> Double {
        let n = 1024
        let (a, b, c) = buffers(n)
        let t = Timing.withLibraryThreads(2) {
            Timing.best(seconds: 0.5) {
                BLAS.sgemmSerial(false, false, n, n, n, 1, a.pointer, n, b.pointer, n, 0, c.pointer, n)
            }
        }
        return 2 * Double(n * n * n) / t / 1e9
    }

    static func run(sgemm: Double, markdown: Bool) {
        var table = Table(["GEMM (M×N×K)", "ReidKD wrapper GFLOP/s", "efficiency"])
        for (m, n, k) in [(1024, 1024, 1024), (64, 751, 256), (64, 2048, 2048), (4096, 512, 512)] {
            var rng = RandomGenerator(seed: 2)
            let a = Tensor.randn([m, k], rng: &rng), b = Tensor.randn([k, n], rng: &rng), c = Tensor.empty([m, n])
            let t = Timing.median(reps: 7, warmup: 2) {
                BLAS.sgemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            }
            let g = 2 * Double(m * n * k) / t / 1e9
            table.add(["\(m)×\(n)×\(k)", fmt(g), fmt(100 * g / sgemm, 0) + "%"])
        }
        print(table.render(markdown: markdown))
    }
}
