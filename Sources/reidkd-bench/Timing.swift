import Dispatch
import Foundation
import Tensor

enum Timing {
    /// With `--cpu-time`, timings are process CPU seconds (user + system over all threads)
    /// instead of wall seconds: on a machine shared with other jobs this measures the work our
    /// code does rather than how often it was descheduled. Efficiencies are then per CPU-second
    /// against sgemm's per CPU-second. Reported figures use wall time on a quiet machine.
    nonisolated(unsafe) static var cpuTime = false

    static func now() -> Double {
        cpuTime ? processCPUSeconds() : Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    /// User + system CPU seconds of the process, over all its threads.
    static func processCPUSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
    }

    /// Runs `body` with OpenBLAS on its own `threads` threads (the reference figures), then back
    /// on one thread per call. OpenBLAS's pool threads keep spinning in sched_yield for a few
    /// tenths of a second after their last call (measured with perf: ≈ 0.3 s); on two cores that
    /// spin ran over the first conv rows timed next and cut them by up to half. So this returns
    /// only once the process's CPU time stops growing while the caller sleeps.
    static func withLibraryThreads<T>(_ threads: Int, _ body: () -> T) -> T {
        BLAS.setLibraryThreads(threads)
        let result = body()
        BLAS.setLibraryThreads(1)
        waitForIdleThreads()
        return result
    }

    /// Sleeps in 50 ms steps until the process used < 5 ms of CPU in one step (at most 3 s).
    static func waitForIdleThreads() {
        for _ in 0..<60 {
            let c0 = processCPUSeconds()
            usleep(50_000)
            if processCPUSeconds() - c0 < 0.005 { return }
        }
    }

    /// Fastest run over about `seconds` of runs (at least 5, at most 400). Interference on a
    /// shared host only ever adds time, so the fastest run is the kernel's own speed; the sgemm
    /// reference and the conv rows both use it, which keeps their ratio fair.
    static func best(seconds: Double, _ body: () -> Void) -> Double {
        body()   // warm-up
        var runs = 0, spent = 0.0, fastest = Double.infinity
        while runs < 5 || (spent < seconds && runs < 400) {
            let t0 = now(); body(); let t = now() - t0
            fastest = Swift.min(fastest, t); spent += t; runs += 1
        }
        return fastest
    }

    /// Median wall time of `reps` runs after `warmup` runs.
    static func median(reps: Int = 5, warmup: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var t: [Double] = []
        for _ in 0..<reps { let t0 = now(); body(); t.append(now() - t0) }
        t.sort()
        return t[t.count / 2]
    }
}

struct Table {
    let headers: [String]
    var rows: [[String]] = []
    init(_ headers: [String]) { self.headers = headers }
    mutating func add(_ row: [String]) { rows.append(row) }
    func render(markdown: Bool) -> String {
        if markdown {
            var s = "| " + headers.joined(separator: " | ") + " |\n|" + headers.map { _ in "---" }.joined(separator: "|") + "|\n"
            for r in rows { s += "| " + r.joined(separator: " | ") + " |\n" }
            return s
        }
        let widths = headers.indices.map { i in ([headers[i]] + rows.map { $0[i] }).map(\.count).max()! }
        func line(_ r: [String]) -> String { zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
