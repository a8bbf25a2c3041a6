// `reidkd sweep status NAME`: the store's record of every run of a sweep, joined with the
// scheduler's view of the job that ran (or runs) it — the store says what happened to the run,
// the scheduler what happened to the process. A `running` run whose worker is gone (a job
// killed without warning, a lost node) and an `interrupted` one are resumed from their last
// checkpoints by the next submission; queued runs no live job will take need one too.
import Foundation
import Store

public enum SweepStatus {
    public static func render(store: ExperimentStore, sweep: Sweep) throws -> String {
        let runs = try store.runs(RunFilter(sweep: sweep.id))
        let live = Set(try store.liveRuns(sweep: sweep.id).map(\.id))
        var sweepDirectory: String?
        if let l = try store.launch(sweep: sweep.id) {
            let root = l.resultsRoot.hasPrefix("/") ? l.resultsRoot : "\(l.workdir)/\(l.resultsRoot)"
            sweepDirectory = "\(root)/\(sweep.name)"
        }
        let jobs = runs.compactMap(\.job)
        var states: [String: JobState]?
        var scheduler = ""
        for launcher in SweepLaunchers.all {
            if let s = launcher.jobStates(sweepDirectory: sweepDirectory ?? "", jobs: jobs) { states = s; scheduler = launcher.name; break }
        }
        var out = "sweep \(sweep.name) in \(store.path)"
        let counts = Dictionary(grouping: runs, by: \.status).mapValues(\.count)
        out += ": \(runs.count) runs, " + RunStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ") + "\n"
        var headers = ["id", "run", "role", "status", "attempts", "host"]
        if states != nil { headers += ["job", scheduler, "elapsed"] }
        var t = TextTable(headers + ["note"])
        t.rightAligned = [0, 4]
        var resumable = 0
        for r in runs {
            var row = ["\(r.id)", r.name, r.role.rawValue, r.status.rawValue, "\(r.attempts)", r.host ?? "—"]
            let job = r.job.flatMap { j in states?[j] }
            if states != nil { row += [r.job ?? "—", job?.state ?? (r.job == nil ? "—" : "gone"), job?.elapsed ?? ""] }
            var note = ""
            switch r.status {
            case .running where !live.contains(r.id):
                note = "worker gone: resumes from its last checkpoint when the sweep runs again"; resumable += 1
            case .running:
                if let j = job, !j.isAlive { note = "scheduler says \(j.state)\(j.reason.isEmpty ? "" : " (\(j.reason))")" }
            case .interrupted:
                note = "resumes from its last checkpoint when the sweep runs again"; resumable += 1
            case .failed, .diverged:
                note = r.error.map { String($0.split(separator: "\n").first ?? "").prefix(60) }.map(String.init) ?? ""
            default: break
            }
            row.append(note)
            t.add(row)
        }
        out += t.render()
        let queued = counts[.queued] ?? 0
        if let states {
            let waiting = states.filter { s in s.value.isAlive && !runs.contains { $0.job == s.key && $0.status == .running } }
                .sorted { $0.key < $1.key }
            if !waiting.isEmpty {
                out += "jobs not running a run yet: " + waiting.map { "\($0.key) \($0.value.state)" + ($0.value.reason.isEmpty ? "" : " (\($0.value.reason))") }.joined(separator: ", ") + "\n"
            }
            if queued + resumable > 0 && waiting.isEmpty {
                out += "\(queued + resumable) run(s) wait for a worker and no job is left to take them: submit the sweep again (`reidkd sweep FILE --launcher \(scheduler)`)\n"
            }
        } else if resumable > 0 {
            out += "\(resumable) run(s) resume from their last checkpoints when the sweep runs again (`reidkd sweep FILE`)\n"
        }
        return out
    }
}
