// A worker told to stop records its run `interrupted` before it goes. SIGTERM is how a
// scheduler ends a job it cancels, preempts or runs out of time on (Slurm sends it to every
// process of the job, then SIGKILL after KillWait); SIGINT is Ctrl-C. The run's last committed
// checkpoint stays, so the next worker (a re-submitted sweep, a requeued job) resumes from it.
// A worker killed without warning (SIGKILL, the OOM killer, a dead node) cannot do this: its
// run stays `running` until its lease is seen to be free, and is then re-queued the same way.
import Foundation
import Store

enum WorkerStop {
    /// From now until the process ends, SIGTERM and SIGINT mark `run` interrupted and exit
    /// with 128 + the signal (0 if the run had just finished).
    static func markInterruptedOnSignal(store: ExperimentStore, run: Run, log: @escaping (String) -> Void) -> [DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue(label: "reidkd.worker-stop"))
            source.setEventHandler {
                let name = sig == SIGTERM ? "SIGTERM" : "SIGINT"
                do {
                    try store.markInterrupted(run.id, error: "stopped by \(name) (job cancelled, preempted or out of time, or Ctrl-C); resumes from its last checkpoint")
                    log("   interrupted by \(name): run \(run.name) resumes from its last checkpoint when the sweep runs again")
                } catch StoreError.invalidTransition(_, let from, _) where from == .finished {
                    _exit(0)
                } catch {
                    log("   interrupted by \(name); recording it failed: \(error)")
                }
                _exit(128 + sig)
            }
            source.resume()
            return source
        }
    }
}
