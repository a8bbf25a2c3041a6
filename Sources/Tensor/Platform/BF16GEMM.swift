// The optional bf16 GEMM path (issue 14 item 4): inside `BLAS.withBF16 { … }` every sgemm that
// the wrapper runs rounds A and B to bfloat16 (round to nearest even) and multiplies them with
// float32 accumulation on the CPU's AVX-512 BF16 unit. Used for forwards whose weights are frozen
// (the teacher, exported-model inference); never for training: gradients stay float32.
//
// No link-time dependency: the kernel is looked up at run time, OpenBLAS's `cblas_sbgemm` first
// (OpenBLAS ≥ 0.3.10 built with BUILD_BFLOAT16; Debian's 0.3.21 is built without it) and then
// oneDNN's `dnnl_gemm_bf16bf16f32` (Debian `libdnnl2`). Where neither exists or the CPU has no
// AVX-512 BF16, `withBF16` runs its body in float32 and `BF16GEMM.status` says why.
#if canImport(Glibc)
import Glibc
#endif

public enum BF16GEMM {
    /// Row-major C = alpha·op(A)·op(B) + beta·C on bf16 inputs (uint16 bit patterns).
    typealias Kernel = (_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                        _ a: UnsafePointer<UInt16>, _ lda: Int, _ b: UnsafePointer<UInt16>, _ ldb: Int,
                        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void

    private typealias DNNLGemm = @convention(c) (CChar, CChar, Int64, Int64, Int64, Float, UnsafeRawPointer, Int64,
                                                 UnsafeRawPointer, Int64, Float, UnsafeMutableRawPointer, Int64) -> Int32
    private typealias OMPSetThreads = @convention(c) (Int32) -> Void
    private typealias CBLASSbgemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafeRawPointer, Int32,
                                                    UnsafeRawPointer, Int32, Float, UnsafeMutableRawPointer, Int32) -> Void

    /// The kernel and its name, or nil and the reason there is none.
    static let loaded: (kernel: Kernel?, name: String) = load()

    /// "oneDNN dnnl_gemm_bf16bf16f32", "OpenBLAS cblas_sbgemm", or "unavailable: <why>".
    public static var status: String { loaded.kernel == nil ? "unavailable: \(loaded.name)" : loaded.name }
    public static var isAvailable: Bool { loaded.kernel != nil }

    private static func load() -> (Kernel?, String) {
        guard CPUFeatures.host.avx512bf16 else { return (nil, "this CPU has no AVX-512 BF16") }
        if let sym = dlsym(nil /* RTLD_DEFAULT */, "cblas_sbgemm") {
            let f = unsafeBitCast(sym, to: CBLASSbgemm.self)
            return ({ ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
                f(101, ta ? 112 : 111, tb ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            }, "OpenBLAS cblas_sbgemm")
        }
        guard let lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL), let sym = dlsym(lib, "dnnl_gemm_bf16bf16f32") else {
            return (nil, "neither OpenBLAS cblas_sbgemm nor oneDNN (libdnnl.so.2: apt-get install libdnnl2) is present")
        }
        let gemm = unsafeBitCast(sym, to: DNNLGemm.self)
        // oneDNN runs on OpenMP; each of our workers calls it on its own block, so every calling
        // thread asks for a team of one (a per-thread setting in OpenMP).
        let setThreads = dlsym(nil, "omp_set_num_threads")
            ?? dlopen("libgomp.so.1", RTLD_NOW | RTLD_LOCAL).flatMap { dlsym($0, "omp_set_num_threads") }
        let single = setThreads.map { unsafeBitCast($0, to: OMPSetThreads.self) }
        return ({ ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            single?(1)
            let r = gemm(ta ? 84 : 78, tb ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
            precondition(r == 0, "oneDNN bf16 GEMM failed with status \(r)")
        }, "oneDNN dnnl_gemm_bf16bf16f32")
    }

    /// float32 → bfloat16, round to nearest even (quiet NaNs stay NaN; overflow gives ±∞), `rows`
    /// rows of `cols` values.
    static func convert(_ src: UnsafePointer<Float>, ld: Int, rows: Int, cols: Int, to dst: UnsafeMutablePointer<UInt16>) {
        src.withMemoryRebound(to: UInt32.self, capacity: (rows - 1) * ld + cols) { s in
            for r in 0..<rows {
                let sp = s + r * ld, dp = dst + r * cols
                var j = 0
                while j + 16 <= cols {
                    let u = UnsafeRawPointer(sp + j).loadUnaligned(as: SIMD16<UInt32>.self)
                    let rounded = (u &+ 0x7FFF &+ ((u &>> 16) & 1)) &>> 16
                    UnsafeMutableRawPointer(dp + j).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: rounded), as: SIMD16<UInt16>.self)
                    j += 16
                }
                while j < cols {
                    let u = sp[j]
                    dp[j] = UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
                    j += 1
                }
            }
        }
    }

    /// One GEMM in bf16: converts op(A)'s and op(B)'s stored blocks, then runs the kernel.
    static func gemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                     _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let (ar, ac) = transA ? (k, m) : (m, k), (br, bc) = transB ? (n, k) : (k, n)
        let a16 = UnsafeMutablePointer<UInt16>.allocate(capacity: ar * ac), b16 = UnsafeMutablePointer<UInt16>.allocate(capacity: br * bc)
        defer { a16.deallocate(); b16.deallocate() }
        convert(a, ld: lda, rows: ar, cols: ac, to: a16)
        convert(b, ld: ldb, rows: br, cols: bc, to: b16)
        loaded.kernel!(transA, transB, m, n, k, alpha, a16, ac, b16, bc, beta, c, ldc)
    }
}

extension BLAS {
    /// > 0 while inside `withBF16`; read by `sgemmSerial` on every worker thread.
    nonisolated(unsafe) static var bf16Depth = 0

    /// Runs `body` with every GEMM of the wrapper in bf16 (float32 accumulation), when
    /// `enabled` and a bf16 kernel is available; otherwise in float32. Not reentrant across
    /// threads: call it from the thread that drives the forward (workers see the flag).
    public static func withBF16<T>(_ enabled: Bool = true, _ body: () throws -> T) rethrows -> T {
        guard enabled && BF16GEMM.isAvailable else { return try body() }
        bf16Depth += 1
        defer { bf16Depth -= 1 }
        return try body()
    }

    /// Whether `REIDKD_BF16` asks for the bf16 path ("1", "on", "true"), for the frozen teacher's
    /// forward and for exported-model inference.
    public static var bf16Requested: Bool {
        guard let v = getenv("REIDKD_BF16").map({ String(cString: $0).lowercased() }) else { return false }
        return ["1", "on", "true", "yes"].contains(v)
    }
}
