// Work splitting over the machine's cores. ReidKD owns all parallelism: OpenBLAS runs
// single-threaded inside each call and we split GEMMs, im2col, norms and elementwise loops over
// `Parallel.threads` workers (Dispatch). Nested parallel regions run inline on the calling
// worker, so kernels can call each other freely without oversubscribing the cores.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

public enum Parallel {
    /// Worker count: `REIDKD_THREADS` if set, else the number of active processors.
    nonisolated(unsafe) public static var threads: Int = {
        if let s = ProcessInfo.processInfo.environment["REIDKD_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    nonisolated(unsafe) private static var workerKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True on a thread currently running a parallel region's body.
    public static var inWorker: Bool { pthread_getspecific(workerKey) != nil }

    /// Runs `body(task)` for task in 0..<tasks, spread over the workers (inline when nested or
    /// single-threaded). Tasks must write disjoint memory.
    public static func run(tasks: Int, _ body: (Int) -> Void) {
        if tasks <= 0 { return }
        if tasks == 1 || threads == 1 || inWorker {
            for t in 0..<tasks { body(t) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: tasks) { t in
            let wasWorker = pthread_getspecific(workerKey) != nil
            if !wasWorker { pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: 1)) }
            body(t)
            if !wasWorker { pthread_setspecific(workerKey, nil) }
        }
    }

    /// Splits 0..<n into at most `threads` (and at most `maxParts`) contiguous ranges of at least
    /// `grain` items and runs them in parallel.
    public static func forRange(_ n: Int, grain: Int = 1, maxParts: Int = .max, _ body: (Range<Int>) -> Void) {
        if n <= 0 { return }
        let parts = inWorker ? 1 : max(1, min(threads, maxParts, n / max(grain, 1)))
        if parts == 1 { body(0..<n); return }
        run(tasks: parts) { p in
            let lo = n * p / parts, hi = n * (p + 1) / parts
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Number of parts `forRange` would use for n items.
    public static func parts(_ n: Int, grain: Int) -> Int {
        inWorker ? 1 : max(1, min(threads, n / max(grain, 1)))
    }
}
