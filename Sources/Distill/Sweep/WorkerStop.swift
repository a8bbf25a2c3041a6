// A worker told to stop records its run `interrupted` before it goes. SIGTERM is how a
// scheduler ends a job it cancels, preempts or runs out of time on (Slurm sends it to every
// process of the job, then SIGKILL after KillWait); SIGINT is Ctrl-C. The run's last committed
// checkpoint stays, so the next worker (a re-submitted sweep, a requeued job) resumes from it.
// A worker killed without warning (SIGKILL, the OOM killer, a dead node) cannot do this: its
// run stays `running` until its lease is seen to be free, and is then re-queued the same way.
//
// A C handler and a pipe, not a DispatchSource with the signal ignored: libdispatch on Linux
// reads signals through a signalfd, which sees only signals blocked in the thread that receives
// them, and the kernel may hand a process-directed signal to any thread (BLAS, heartbeat). The
// handler runs on whichever thread gets it and only writes the signal number to a pipe
// (async-signal-safe); a thread of its own reads it and does the store work. Under Slurm the
// batch script waits for the worker after the signal (SlurmLauncher.script): the step, and every
// process left in it, is killed as soon as the script exits.
import Foundation
import Store

/// The pipe the signal handler writes to (-1: none installed).
nonisolated(unsafe) private var stopPipeWrite: Int32 = -1

private func stopSignalHandler(_ sig: Int32) {
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(stopPipeWrite, &byte, 1)
}

enum WorkerStop {
    /// Until `cancel()`, SIGTERM and SIGINT mark `run` interrupted and exit with 128 + the
    /// signal (0 if the run had just finished).
    final class Watch {
        private let fds: [Int32]
        init(fds: [Int32]) { self.fds = fds }
        func cancel() {
            signal(SIGTERM, SIG_DFL); signal(SIGINT, SIG_DFL)
            var zero: UInt8 = 0
            _ = write(fds[1], &zero, 1)   // ends the reading thread
        }
    }

    static func markInterruptedOnSignal(store: ExperimentStore, run: Run, log: @escaping (String) -> Void) -> Watch {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            log("reidkd: warning: cannot watch for SIGTERM (pipe: \(String(cString: strerror(errno)))); a cancelled job leaves its run running until its lease is seen free")
            return Watch(fds: [-1, -1])
        }
        let readFD = fds[0], writeFD = fds[1]
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readFD, &byte, 1) < 0 && errno == EINTR {}
            let sig = Int32(byte)
            guard sig != 0 else { close(readFD); close(writeFD); return }
            let name = sig == SIGTERM ? "SIGTERM" : "SIGINT"
            do {
                try store.markInterrupted(run.id, error: "stopped by \(name) (job cancelled, preempted or out of time, or Ctrl-C); resumes from its last checkpoint")
                log("   interrupted by \(name): run \(run.name) resumes from its last checkpoint when the sweep runs again")
            } catch StoreError.invalidTransition(_, let from, _) where from == .finished {
                _exit(0)
            } catch {
                log("   interrupted by \(name); recording it failed: \(error)")
            }
            fflush(stdout)
            _exit(128 + sig)
        }
        thread.name = "reidkd.worker-stop"
        thread.start()
        stopPipeWrite = fds[1]
        signal(SIGTERM, stopSignalHandler)
        signal(SIGINT, stopSignalHandler)
        return Watch(fds: fds)
    }
}
