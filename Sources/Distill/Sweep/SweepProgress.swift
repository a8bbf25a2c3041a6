// Sweep-level progress: how many of the sweep's epochs are done and an ETA for the rest. Runs
// differ a lot in cost (a teacher epoch can be several student epochs), so seconds per epoch
// are learned per cost class — the run's backbone settings and whether a teacher runs beside
// it — from the epochs this process has timed (wall clock between epoch ends, so evaluation
// and checkpoints count); a class not seen yet borrows the mean of all classes seen.
// Runs other worker processes finish are taken from the store at each run start, with their
// epoch times (each run trains in a fresh worker process, which starts with no timings).
import Foundation

public struct SweepProgress {
    public struct Entry {
        public var name: String
        public var epochs: Int
        public var costClass: String
    }

    public private(set) var entries: [Entry]
    /// Epochs done per run (finished runs count in full).
    var done: [String: Int] = [:]
    var secondsPerEpoch: [String: (total: Double, count: Int)] = [:]
    var lastTick: [String: Date] = [:]

    public init(_ entries: [Entry]) { self.entries = entries }

    var totalEpochs: Int { entries.reduce(0) { $0 + $1.epochs } }
    var doneEpochs: Int { entries.reduce(0) { $0 + min($1.epochs, done[$1.name] ?? 0) } }

    /// Marks runs finished elsewhere (or earlier) as complete.
    public mutating func markComplete(_ names: [String]) {
        let finished = Set(names)
        for e in entries where finished.contains(e.name) { done[e.name] = e.epochs }
    }

    /// Epoch times of a run timed elsewhere (another worker, an earlier invocation).
    public mutating func learn(_ name: String, epochSeconds: [Double]) {
        guard let e = entries.first(where: { $0.name == name }), !epochSeconds.isEmpty else { return }
        var s = secondsPerEpoch[e.costClass] ?? (0, 0)
        s.total += epochSeconds.reduce(0, +); s.count += epochSeconds.count
        secondsPerEpoch[e.costClass] = s
    }

    /// A run starts (or resumes; its first epoch line says where) now.
    public mutating func start(_ name: String, now: Date = Date()) {
        if done[name] == nil { done[name] = 0 }
        lastTick[name] = now
    }

    /// An epoch of `name` ended: `epoch` epochs are done.
    public mutating func epochEnded(_ name: String, epoch: Int, now: Date = Date()) {
        guard let e = entries.first(where: { $0.name == name }) else { return }
        // Epochs end one at a time; a resumed run's first epoch is timed from its start.
        if let t = lastTick[name], epoch > (done[name] ?? 0) {
            let per = now.timeIntervalSince(t)
            var s = secondsPerEpoch[e.costClass] ?? (0, 0)
            s.total += per; s.count += 1
            secondsPerEpoch[e.costClass] = s
        }
        done[name] = epoch
        lastTick[name] = now
    }

    /// Seconds left for the whole sweep, once at least one epoch was timed.
    public var etaSeconds: Double? {
        guard !secondsPerEpoch.isEmpty else { return nil }
        let all = secondsPerEpoch.values.reduce(0) { $0 + $1.total } / Double(secondsPerEpoch.values.reduce(0) { $0 + $1.count })
        return entries.reduce(0.0) { sum, e in
            let left = max(0, e.epochs - (done[e.name] ?? 0))
            let per = secondsPerEpoch[e.costClass].map { $0.total / Double($0.count) } ?? all
            return sum + Double(left) * per
        }
    }

    public var fraction: Double { totalEpochs == 0 ? 1 : Double(doneEpochs) / Double(totalEpochs) }

    /// e.g. `sweep [█████░░░░░░░░░░░░░░░]  27%, ETA 6m40s`.
    public func line(width: Int = 20) -> String {
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = etaSeconds.map { "ETA " + SweepProgress.duration($0) } ?? "ETA –"
        return "sweep [\(bar)] \(String(format: "%3.0f", 100 * fraction))%, \(eta)"
    }

    /// 42s, 6m40s, 1h05m.
    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m"
    }
}
