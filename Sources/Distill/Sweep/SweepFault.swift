// Fault injection for the kill and crash tests (and nothing else): `REIDKD_FAULT` makes a worker
// die at an exact point of a run, where a timed kill from outside would hit only by luck (the
// moment between a checkpoint's rename and its store commit is microseconds wide). Unset, every
// `hit` is one dictionary lookup that finds nothing.
//
//   REIDKD_FAULT=ACTION:POINT:RUN[:EPOCH][,…]
//   ACTION  crash        the worker stops with a Swift runtime trap (SIGILL), as a precondition does
//           kill-worker  the worker SIGKILLs itself (as the OOM killer would)
//           kill-sweep   the worker SIGKILLs its supervisor, then itself (the whole sweep dies)
//           pause        the worker sleeps 120 s there (a window for a test to cancel its job)
//   POINT   start | epoch (an epoch trained, before its evaluation and checkpoint) |
//           checkpoint (resume file renamed into place, store not yet told) |
//           committed (checkpoint and metrics committed) | finish (all done but the final commit)
//   RUN     a run name; EPOCH (optional) the epoch the point must be at
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum SweepFault {
    public enum Point: String { case start, epoch, checkpoint, committed, finish }
    enum Action: String { case crash, killWorker = "kill-worker", killSweep = "kill-sweep", pause }

    static let variable = "REIDKD_FAULT"

    struct Rule { var action: Action; var point: Point; var run: String; var epoch: Int? }

    static let rules: [Rule] = parse(ProcessInfo.processInfo.environment[variable])

    static func parse(_ text: String?) -> [Rule] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").compactMap { item in
            let f = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 3, let a = Action(rawValue: f[0]), let p = Point(rawValue: f[1]) else {
                FileHandle.standardError.write(Data("reidkd: warning: \(variable) entry '\(item)' is not ACTION:POINT:RUN[:EPOCH]; ignored\n".utf8))
                return nil
            }
            return Rule(action: a, point: p, run: f[2], epoch: f.count > 3 ? Int(f[3]) : nil)
        }
    }

    /// Dies here if a rule names this point of this run.
    static func hit(_ point: Point, run: String, epoch: Int? = nil) {
        guard let rule = rules.first(where: { $0.point == point && $0.run == run && ($0.epoch == nil || $0.epoch == epoch) }) else { return }
        FileHandle.standardError.write(Data("reidkd: injected fault \(rule.action.rawValue) at \(point.rawValue) of run \(run)\(epoch.map { " epoch \($0)" } ?? "")\n".utf8))
        switch rule.action {
        case .crash:
            fatalError("injected fault at \(point.rawValue) of run \(run)")
        case .killWorker:
            raise(SIGKILL)
        case .killSweep:
            if let s = ProcessInfo.processInfo.environment[SweepWorker.supervisorVariable], let pid = Int32(s), pid > 1 { kill(pid, SIGKILL) }
            raise(SIGKILL)
        case .pause:
            Thread.sleep(forTimeInterval: 120)
        }
    }
}
