// The startup step of the kernel choice (see BLASKernel.swift): a pure decision from the
// environment, the loaded kernel and the CPU, and the re-execution that applies it.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `REIDKD_BLAS_STATE`, parsed: "kind[,from=Core][,failed=Core/reason+Core/reason]".
public struct BLASStartupState: Equatable, Sendable {
    public enum Kind: String, Sendable { case none, library, `try`, auto, fallback, fallbackNoted = "fallback-noted" }
    public var kind: Kind
    public var from: String
    /// "Cooperlake/missing" (the library has no such kernel) or "SkylakeX/selfcheck".
    public var failed: [String]

    public init(kind: Kind, from: String = "", failed: [String] = []) {
        self.kind = kind; self.from = from; self.failed = failed
    }

    public init(_ text: String?) {
        guard let text, !text.isEmpty else { self.init(kind: .none); return }
        let parts = text.split(separator: ",").map(String.init)
        var from = "", failed: [String] = []
        for p in parts.dropFirst() {
            if p.hasPrefix("from=") { from = String(p.dropFirst(5)) }
            if p.hasPrefix("failed=") { failed = p.dropFirst(7).split(separator: "+").map(String.init) }
        }
        // An unreadable state is treated as none: the worst outcome is one more re-execution.
        self.init(kind: Kind(rawValue: parts.first ?? "") ?? .none, from: from, failed: failed)
    }

    public var text: String {
        var s = kind.rawValue
        if !from.isEmpty { s += ",from=\(from)" }
        if !failed.isEmpty { s += ",failed=" + failed.joined(separator: "+") }
        return s
    }
}

extension BLASKernel {
    public enum Step: Equatable, Sendable {
        /// Run with the loaded kernel; put `state` into the environment for child processes.
        case proceed(Origin, state: String?)
        /// Re-execute with OPENBLAS_CORETYPE = `coretype` (unset when nil) and the given state.
        case reexec(coretype: String?, state: String)
    }

    /// The next step, from what the environment says was done so far and what actually loaded.
    public static func decide(state: BLASStartupState, coretype: String?, loaded: String,
                              cpu: CPUFeatures, selfCheckPassed: Bool) -> Step {
        switch state.kind {
        case .none where coretype != nil:
            return .proceed(.user, state: nil)
        case .none, .library:
            let from = loaded
            guard let first = candidates(cpu: cpu, libraryCore: from).first else { return .proceed(.library, state: nil) }
            return .reexec(coretype: first, state: BLASStartupState(kind: .try, from: from).text)
        case .try, .auto:
            let target = coretype ?? ""
            if loaded.caseInsensitiveCompare(target) == .orderedSame && selfCheckPassed {
                return .proceed(.automatic(from: state.from), state: BLASStartupState(kind: .auto, from: state.from).text)
            }
            let failed = state.failed + ["\(target)/\(loaded.caseInsensitiveCompare(target) == .orderedSame ? "selfcheck" : "missing")"]
            let tried = Set(failed.map { $0.split(separator: "/").first.map(String.init) ?? $0 })
            if let next = candidates(cpu: cpu, libraryCore: state.from).first(where: { !tried.contains($0) }) {
                return .reexec(coretype: next, state: BLASStartupState(kind: .try, from: state.from, failed: failed).text)
            }
            return .reexec(coretype: nil, state: BLASStartupState(kind: .fallback, from: state.from, failed: failed).text)
        case .fallback, .fallbackNoted:
            let noted = BLASStartupState(kind: .fallbackNoted, from: state.from, failed: state.failed).text
            return .proceed(.fallback(from: state.from, failed: state.failed), state: noted)
        }
    }

    /// First thing in `reidkd` and `reidkd-bench`: makes sure OpenBLAS runs the best kernel this
    /// CPU has, re-executing the process (at most a few times, each step strictly progresses)
    /// when it does not. Prints one warning line when an upgrade was refused or the self-check
    /// fails. Never returns on a re-execution.
    public static func selectAtStartup(warn: (String) -> Void = { FileHandle.standardError.write(Data(("reidkd: warning: " + $0 + "\n").utf8)) }) {
        let env = ProcessInfo.processInfo.environment
        let state = BLASStartupState(env[stateVariable])
        let check = BLASSelfCheck.run()
        let loaded = loadedCore
        let step = decide(state: state, coretype: env[coretypeVariable], loaded: loaded,
                          cpu: .host, selfCheckPassed: check.passed)
        switch step {
        case .proceed(let origin, let newState):
            if let newState { setenv(stateVariable, newState, 1) }
            let status = Status(library: libraryVersion, kernel: loaded, origin: origin, selfCheck: check)
            selected = status
            if case .fallback = origin, state.kind == .fallback {
                warn("OpenBLAS kernel \(loaded) (\(status.originText)); timings will be slower than this CPU allows")
            }
            if !check.passed {
                warn("OpenBLAS kernel \(loaded) failed the GEMM self-check (relative error \(check.worstRelativeError)); results may be wrong — set \(coretypeVariable) to another kernel")
            }
        case .reexec(let coretype, let newState):
            #if os(Linux)
            if let coretype { setenv(coretypeVariable, coretype, 1) } else { unsetenv(coretypeVariable) }
            setenv(stateVariable, newState, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            let reason = String(cString: strerror(errno))
            // Still the original process: undo, and run with what loaded.
            if let c = env[coretypeVariable] { setenv(coretypeVariable, c, 1) } else { unsetenv(coretypeVariable) }
            if let s = env[stateVariable] { setenv(stateVariable, s, 1) } else { unsetenv(stateVariable) }
            warn("could not re-execute to select OpenBLAS kernel \(coretype ?? "default") (\(reason)); running \(loaded)")
            #endif
            selected = Status(library: libraryVersion, kernel: loaded,
                              origin: env[coretypeVariable] == nil ? .library : .user, selfCheck: check)
        }
    }
}
