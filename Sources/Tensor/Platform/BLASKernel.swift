// Which OpenBLAS kernel family runs ReidKD's GEMMs, and the startup step that upgrades a weak
// pick. OpenBLAS's DYNAMIC_ARCH build picks its kernels once, when the library loads, from a
// table of CPU models; 0.3.21 does not know recent Intel Xeons and falls back to its SSE3
// `Prescott` kernels there, 4–5× slower than `SkylakeX` on the same machine. The only way to
// change the pick is `OPENBLAS_CORETYPE` in the environment before the library loads, so
// `BLASKernel.selectAtStartup()` (first thing in `reidkd` and `reidkd-bench`) re-executes the
// process once with it set, checks that the library took it and that a small GEMM still
// matches a plain reference, and otherwise re-executes once more without it and says so.
//
// The steps are carried in `REIDKD_BLAS_STATE` (no spaces, so it survives `env $(…)`):
//   try,from=Prescott[,failed=Cooperlake/missing+…]   set by us before a re-exec
//   auto,from=Prescott                                the upgrade held (children re-check it)
//   fallback,from=Prescott,failed=…                   every candidate failed; library's own pick
//   library                                           treat OPENBLAS_CORETYPE as the library's
//                                                     pick (how tests simulate an unknown CPU)
#if canImport(Glibc)
import Glibc
#endif
import CBLAS
import Foundation

public enum BLASKernel {
    public static let coretypeVariable = "OPENBLAS_CORETYPE"
    public static let stateVariable = "REIDKD_BLAS_STATE"

    /// How the kernel in use came to be chosen.
    public enum Origin: Equatable, Sendable {
        case library                       // OpenBLAS's own pick, already the best tier
        case automatic(from: String)       // upgraded by ReidKD from the library's pick
        case user                          // OPENBLAS_CORETYPE set by the user
        case fallback(from: String, failed: [String])  // upgrade tried and refused
    }

    /// The kernel in use, how it was chosen, and whether the GEMM self-check passed.
    public struct Status: Equatable, Sendable, CustomStringConvertible {
        public var library: String
        public var kernel: String
        public var origin: Origin
        public var selfCheck: BLASSelfCheck.Result

        /// "OpenBLAS 0.3.21 Cooperlake (upgraded from Prescott)".
        public var description: String {
            "\(library) \(kernel) (\(originText))"
        }

        public var originText: String {
            switch origin {
            case .library: return "library's choice"
            case .automatic(let from): return "upgraded from \(from)"
            case .user: return "\(BLASKernel.coretypeVariable) set by the user"
            case .fallback(let from, let failed):
                return "library's choice \(from); upgrade refused: \(failed.joined(separator: ", "))"
            }
        }
    }

    /// Tier of an OpenBLAS core name (0.3.21's DYNAMIC_ARCH names; others count as baseline).
    public static func tier(ofCore name: String) -> CPUFeatures.Tier {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return .avx512
        case "haswell", "zen", "excavator": return .avx2
        default: return .baseline
        }
    }

    /// Kernel families to try, best first, when `libraryCore` is below what `cpu` runs.
    /// Cooperlake is SkylakeX plus the AVX-512 BF16 kernels, so it goes first where BF16 exists.
    public static func candidates(cpu: CPUFeatures, libraryCore: String) -> [String] {
        guard tier(ofCore: libraryCore) < cpu.tier else { return [] }
        switch cpu.tier {
        case .avx512: return (cpu.avx512bf16 ? ["Cooperlake", "SkylakeX"] : ["SkylakeX"]) + ["Haswell"]
        case .avx2: return ["Haswell"]
        case .baseline: return []
        }
    }

    /// The kernel name OpenBLAS is running now.
    public static var loadedCore: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// "OpenBLAS 0.3.21" from the library's configuration string.
    public static var libraryVersion: String {
        guard let c = openblas_get_config() else { return "OpenBLAS" }
        let words = String(cString: c).split(separator: " ")
        return words.count >= 2 ? "\(words[0]) \(words[1])" : "OpenBLAS"
    }

    /// What this process runs, set by `selectAtStartup()`; computed once from the environment
    /// when startup selection did not run (tests, library use).
    public static var status: Status {
        if let s = selected { return s }
        let s = computeStatus()
        selected = s
        return s
    }

    static func computeStatus() -> Status {
        let env = ProcessInfo.processInfo.environment
        let check = BLASSelfCheck.run()
        let step = decide(state: BLASStartupState(env[stateVariable]), coretype: env[coretypeVariable],
                          loaded: loadedCore, cpu: .host, selfCheckPassed: check.passed)
        if case .proceed(let origin, _) = step {
            return Status(library: libraryVersion, kernel: loadedCore, origin: origin, selfCheck: check)
        }
        // The process would re-execute at startup but did not: report what runs now.
        return Status(library: libraryVersion, kernel: loadedCore,
                      origin: env[coretypeVariable] == nil ? .library : .user, selfCheck: check)
    }
    nonisolated(unsafe) static var selected: Status?
}
