// The BLAS kernel choice: the decision table, the state it carries across re-executions, the GEMM
// self-check, and (ChildProcess tests) the real re-execution of `reidkd info`.
import XCTest
import Foundation
@testable import Tensor

final class BLASKernelTests: XCTestCase {
    /// The Xeon of issue 14 (family 6 model 207, AVX-512 with BF16), which OpenBLAS 0.3.21 runs on Prescott.
    static let xeon = CPUFeatures(vendor: "GenuineIntel", brand: "Intel(R) Xeon(R)", family: 6, model: 207,
                                  avx2: true, fma: true, avx512f: true, avx512bwdqvl: true, avx512bf16: true)
    static let avx2Only = CPUFeatures(vendor: "GenuineIntel", brand: "", family: 6, model: 60,
                                      avx2: true, fma: true, avx512f: false, avx512bwdqvl: false, avx512bf16: false)
    static let old = CPUFeatures(vendor: "GenuineIntel", brand: "", family: 6, model: 23,
                                 avx2: false, fma: false, avx512f: false, avx512bwdqvl: false, avx512bf16: false)

    func decide(_ state: String?, coretype: String?, loaded: String, cpu: CPUFeatures = xeon, check: Bool = true) -> BLASKernel.Step {
        BLASKernel.decide(state: BLASStartupState(state), coretype: coretype, loaded: loaded, cpu: cpu, selfCheckPassed: check)
    }

    func testUnknownXeonIsUpgradedToTheBestAVX512Kernel() {
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "Prescott"), .reexec(coretype: "Cooperlake", state: "try,from=Prescott"))
        var noBF16 = Self.xeon; noBF16.avx512bf16 = false
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "Prescott", cpu: noBF16), .reexec(coretype: "SkylakeX", state: "try,from=Prescott"))
        // An AVX2 pick on an AVX-512 CPU is upgraded too; an AVX-512 pick is left alone.
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "Haswell"), .reexec(coretype: "Cooperlake", state: "try,from=Haswell"))
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "SkylakeX"), .proceed(.library, state: nil))
    }

    func testAVX2AndOlderCPUs() {
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "Prescott", cpu: Self.avx2Only), .reexec(coretype: "Haswell", state: "try,from=Prescott"))
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "Zen", cpu: Self.avx2Only), .proceed(.library, state: nil))
        XCTAssertEqual(decide(nil, coretype: nil, loaded: "Core2", cpu: Self.old), .proceed(.library, state: nil))
    }

    func testUserChoiceIsNeverOverridden() {
        XCTAssertEqual(decide(nil, coretype: "Prescott", loaded: "Prescott"), .proceed(.user, state: nil))
    }

    func testUpgradeThatHeldIsRecordedForChildren() {
        XCTAssertEqual(decide("try,from=Prescott", coretype: "Cooperlake", loaded: "Cooperlake"),
                       .proceed(.automatic(from: "Prescott"), state: "auto,from=Prescott"))
        // A child inherits auto and re-checks it.
        XCTAssertEqual(decide("auto,from=Prescott", coretype: "Cooperlake", loaded: "Cooperlake"),
                       .proceed(.automatic(from: "Prescott"), state: "auto,from=Prescott"))
    }

    func testRefusedUpgradeTriesTheNextKernelThenFallsBack() {
        // The library has no Cooperlake (it loaded its own pick instead): try SkylakeX next.
        XCTAssertEqual(decide("try,from=Prescott", coretype: "Cooperlake", loaded: "Prescott"),
                       .reexec(coretype: "SkylakeX", state: "try,from=Prescott,failed=Cooperlake/missing"))
        // SkylakeX loaded but fails the self-check: Haswell.
        XCTAssertEqual(decide("try,from=Prescott,failed=Cooperlake/missing", coretype: "SkylakeX", loaded: "SkylakeX", check: false),
                       .reexec(coretype: "Haswell", state: "try,from=Prescott,failed=Cooperlake/missing+SkylakeX/selfcheck"))
        // Nothing left: back to the library's own pick, once, and say so.
        let all = "try,from=Prescott,failed=Cooperlake/missing+SkylakeX/selfcheck"
        XCTAssertEqual(decide(all, coretype: "Haswell", loaded: "Prescott"),
                       .reexec(coretype: nil, state: all.replacingOccurrences(of: "try", with: "fallback") + "+Haswell/missing"))
        let failed = ["Cooperlake/missing", "SkylakeX/selfcheck", "Haswell/missing"]
        XCTAssertEqual(decide("fallback,from=Prescott,failed=" + failed.joined(separator: "+"), coretype: nil, loaded: "Prescott"),
                       .proceed(.fallback(from: "Prescott", failed: failed),
                                state: "fallback-noted,from=Prescott,failed=" + failed.joined(separator: "+")))
    }

    func testStateRoundTripsAndIgnoresGarbage() {
        let s = BLASStartupState(kind: .try, from: "Prescott", failed: ["Cooperlake/missing", "SkylakeX/selfcheck"])
        XCTAssertEqual(BLASStartupState(s.text), s)
        XCTAssertFalse(s.text.contains(" "), "the state must survive `env $(reidkd info --blas-env)`")
        XCTAssertEqual(BLASStartupState("no such thing").kind, .none)
        XCTAssertEqual(BLASStartupState(nil).kind, .none)
    }

    func testCoreTiers() {
        XCTAssertEqual(BLASKernel.tier(ofCore: "SkylakeX"), .avx512)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Cooperlake"), .avx512)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Haswell"), .avx2)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Zen"), .avx2)
        XCTAssertEqual(BLASKernel.tier(ofCore: "Prescott"), .baseline)
    }

    func testSelfCheckPassesOnOpenBLASAndCatchesABrokenKernel() {
        let ok = BLASSelfCheck.run()
        XCTAssertTrue(ok.passed, "worst relative error \(ok.worstRelativeError)")
        XCTAssertEqual(ok.cases, 16)
        // A kernel that drops the last k-step of every dot product (a tail bug).
        let dropsTail: BLASSelfCheck.GEMM = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            BLASSelfCheck.openBLAS(ta, tb, m, n, k - 1, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        XCTAssertFalse(BLASSelfCheck.run(dropsTail).passed)
        // A kernel that ignores transposition of A.
        let noTransA: BLASSelfCheck.GEMM = { _, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            BLASSelfCheck.openBLAS(false, tb, m, n, k, alpha, a, k, b, ldb, beta, c, ldc)
        }
        XCTAssertFalse(BLASSelfCheck.run(noTransA).passed)
        // NaN output.
        let nan: BLASSelfCheck.GEMM = { _, _, m, n, _, _, _, _, _, _, _, c, ldc in
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = .nan } }
        }
        XCTAssertFalse(BLASSelfCheck.run(nan).passed)
    }

    func testCPUFeaturesAreConsistentWithProcCpuinfo() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("/proc/cpuinfo not readable")
        }
        let flags = Set(flagsLine.split(separator: ":").last!.split(separator: " ").map(String.init))
        let cpu = CPUFeatures.host
        XCTAssertEqual(cpu.avx2, flags.contains("avx2"))
        XCTAssertEqual(cpu.avx512f, flags.contains("avx512f"))
        XCTAssertEqual(cpu.avx512bf16, flags.contains("avx512_bf16"))
    }

    // MARK: ChildProcess: the real re-execution, through the `reidkd` binary built next to the tests.

    func reidkd() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let bin = dir.appendingPathComponent("reidkd")
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            throw XCTSkip("reidkd binary not built next to the tests (\(bin.path)); `make test` builds it")
        }
        return bin
    }

    /// `reidkd info` with `env` replacing the BLAS variables; returns (BLAS line, stderr).
    func infoChild(_ env: [String: String]) throws -> (blas: String, stderr: String) {
        let p = Process()
        p.executableURL = try reidkd()
        p.arguments = ["info"]
        var e = ProcessInfo.processInfo.environment
        e[BLASKernel.coretypeVariable] = nil
        e[BLASKernel.stateVariable] = nil
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let r = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, r)
        let line = o.split(separator: "\n").first { $0.hasPrefix("BLAS: ") }.map { String($0.dropFirst(6)) } ?? ""
        return (line, r)
    }

    func testChildProcessPicksAnAVX512KernelOnAVX512Machines() throws {
        guard CPUFeatures.host.tier == .avx512 else {
            throw XCTSkip("this CPU has no usable AVX-512 (\(CPUFeatures.host)); the kernel tier check needs one")
        }
        let (line, _) = try infoChild([:])
        let kernel = String(line.split(separator: " ").dropFirst(2).first ?? "")
        XCTAssertEqual(BLASKernel.tier(ofCore: kernel), .avx512, "reidkd info reported: \(line)")
    }

    func testChildProcessUpgradesASimulatedUnknownCPU() throws {
        guard CPUFeatures.host.tier > .baseline else { throw XCTSkip("no AVX2 on this CPU: nothing to upgrade to") }
        // REIDKD_BLAS_STATE=library: treat the forced Prescott as if OpenBLAS had picked it itself.
        let (line, err) = try infoChild([BLASKernel.coretypeVariable: "Prescott", BLASKernel.stateVariable: "library"])
        XCTAssertTrue(line.contains("upgraded from Prescott"), line)
        XCTAssertFalse(line.contains(" Prescott ("), line)
        XCTAssertEqual(err, "")
    }

    func testChildProcessFallsBackAndSaysSo() throws {
        guard CPUFeatures.host.tier > .baseline else { throw XCTSkip("no AVX2 on this CPU: no upgrade to refuse") }
        // Every candidate already refused, and the one being tried does not exist in the library.
        let (line, err) = try infoChild([BLASKernel.coretypeVariable: "NoSuchKernel",
                                         BLASKernel.stateVariable: "try,from=Prescott,failed=Cooperlake/missing+SkylakeX/missing+Haswell/missing"])
        XCTAssertTrue(line.contains("upgrade refused") && line.contains("NoSuchKernel/missing"), line)
        XCTAssertTrue(err.hasPrefix("reidkd: warning: OpenBLAS kernel") && err.split(separator: "\n").count == 1, err)
    }

    func testChildProcessKeepsTheUsersChoice() throws {
        let (line, err) = try infoChild([BLASKernel.coretypeVariable: "Prescott"])
        XCTAssertTrue(line.hasSuffix("Prescott (OPENBLAS_CORETYPE set by the user)"), line)
        XCTAssertEqual(err, "")
    }
}
