// A worker process of the sweep supervisor: started with posix_spawn (Foundation's Process reaps
// its children itself, which hides their resource usage), its stdout and stderr forwarded to
// ours while the last lines are kept for the record of a crash, and reaped with wait4, which
// gives the exit status or the signal and the child's peak resident memory.
import Foundation
import CProcess
#if canImport(Glibc)
import Glibc
#endif

final class ChildProcess {
    let pid: pid_t
    private let tail: OutputTail
    private let done = DispatchGroup()

    /// How a child ended.
    struct Exit {
        var status: Int32?
        var signal: Int32?
        /// Peak resident set size (wait4's ru_maxrss).
        var peakRSSMiB: Double

        var description: String {
            if let s = signal { return "signal \(s) (\(ChildProcess.signalName(s)))" }
            return "exit status \(status ?? -1)"
        }
    }

    /// Starts `executable` with `arguments` and `environment` (a full environment), its output
    /// forwarded to this process's stdout/stderr, keeping the last `tailLines` lines.
    init(executable: String, arguments: [String], environment: [String: String], tailLines: Int = 20) throws {
        tail = OutputTail(limit: tailLines)
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        // Close-on-exec, so that no other child inherits them (spawns happen on one thread).
        guard pipe(&out) == 0, pipe(&err) == 0 else {
            throw SweepError("cannot create a pipe for a worker process: \(String(cString: strerror(errno)))")
        }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attr, argv, envp)
        close(out[1]); close(err[1])
        guard rc == 0 else {
            close(out[0]); close(err[0])
            throw SweepError("cannot start a worker process (\(executable)): \(String(cString: strerror(rc)))")
        }
        pid = child
        forward(out[0], to: 1)
        forward(err[0], to: 2)
    }

    /// Copies everything the child writes on `fd` to our `target` descriptor until EOF (the
    /// child and every process that inherited the pipe have exited).
    private func forward(_ fd: Int32, to target: Int32) {
        done.enter()
        let tail = self.tail, group = done
        let t = Thread {
            var buffer = [UInt8](repeating: 0, count: 8192)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                ChildProcess.outputLock.withLock {
                    buffer.withUnsafeBytes { var off = 0; while off < n { let w = write(target, $0.baseAddress! + off, n - off); if w <= 0 { break }; off += w } }
                }
                tail.append(buffer[0..<n])
            }
            close(fd)
            group.leave()
        }
        t.start()
    }

    static let outputLock = NSLock()

    /// The exit, if the child has ended (reaping it); nil while it runs.
    func poll() -> Exit? {
        var status: Int32 = 0
        var usage = rusage()
        let r = wait4(pid, &status, WNOHANG, &usage)
        guard r == pid else { return nil }
        // WIFEXITED / WIFSIGNALED, spelled out (the C macros are not imported).
        let signal = status & 0x7f
        let exit = Exit(status: signal == 0 ? (status >> 8) & 0xff : nil, signal: signal != 0 && signal != 0x7f ? signal : nil,
                        peakRSSMiB: Double(usage.ru_maxrss) / 1024)
        return exit
    }

    /// The last lines the child wrote (stdout and stderr interleaved), once its output has ended.
    func lastLines(timeout: TimeInterval = 5) -> [String] {
        _ = done.wait(timeout: .now() + timeout)
        return tail.lines
    }

    static func signalName(_ s: Int32) -> String {
        let names: [Int32: String] = [SIGILL: "SIGILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGKILL: "SIGKILL", SIGBUS: "SIGBUS",
                                      SIGFPE: "SIGFPE", SIGTERM: "SIGTERM", SIGINT: "SIGINT", SIGTRAP: "SIGTRAP", SIGHUP: "SIGHUP"]
        return names[s] ?? String(cString: strsignal(s))
    }

    /// Worker side: die with the parent that started us (PR_SET_PDEATHSIG), and exit at once if
    /// it is already gone — it may have died between starting us and this call, in which case
    /// no signal will ever come. `expectedParent` is the pid the parent gave us.
    static func dieWithParent(expectedParent: pid_t) -> Bool {
        _ = reidkd_set_parent_death_signal(SIGKILL)
        return getppid() == expectedParent
    }
}

/// The last lines of a child's output (thread-safe; partial lines are joined). Once the Swift
/// runtime's crash report starts ("*** Signal …"), only its summary lines ("*** …") and the
/// first frames of the crashed thread are kept, not the registers and images that end it: the
/// record of a crash should show what the run printed last and where it stopped.
final class OutputTail: @unchecked Sendable {
    private let limit: Int
    private var done: [String] = []
    private var partial: [UInt8] = []
    private var inCrashReport = false
    private var framesLeft = 0
    private let lock = NSLock()
    static let framesKept = 6

    init(limit: Int) { self.limit = limit }

    func append(_ bytes: ArraySlice<UInt8>) {
        lock.withLock {
            for b in bytes {
                if b == 10 { add(String(decoding: partial, as: UTF8.self)); partial.removeAll(keepingCapacity: true) } else { partial.append(b) }
            }
            if partial.count > 4096 { partial.removeFirst(partial.count - 4096) }
        }
    }

    private func add(_ line: String) {
        if line.hasPrefix("*** Signal") || line.hasPrefix("💣") { inCrashReport = true }
        if inCrashReport {
            if line.hasPrefix("*** ") || line.hasPrefix("💣") {
                done.append(line)
            } else if line.hasSuffix(" crashed:") {
                done.append(line); framesLeft = Self.framesKept
            } else if framesLeft > 0 && !line.isEmpty {
                done.append(line); framesLeft -= 1
            }
        } else {
            done.append(line)
        }
        if done.count > limit + Self.framesKept + 4 { done.removeFirst(done.count - limit - Self.framesKept - 4) }
    }

    var lines: [String] {
        lock.withLock { done + (partial.isEmpty ? [] : [String(decoding: partial, as: UTF8.self)]) }
    }
}
