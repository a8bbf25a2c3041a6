// Sweep-level progress: how much of the sweep's work is done and an ETA for the rest. Runs
// differ a lot in cost (a teacher epoch can be several student epochs), so seconds per epoch
// are learned per cost class — the run's backbone settings and whether a teacher runs beside
// it — from the epochs this process has timed (wall clock between epoch ends, so evaluation
// and checkpoints count) and from the epoch times other worker processes recorded in the store
// (each run trains in a fresh worker process, which starts with no timings; a running run
// commits its epochs at every checkpoint). A class not seen yet borrows the mean epoch of the
// seen classes of its role (a student class never borrows the teacher's). The ETA is the
// larger of the work left shared by the sweep's concurrent workers and the longest chain of
// runs that must follow one another (students after their teacher).
import Foundation

public struct SweepProgress {
    public struct Entry {
        public var name: String
        public var epochs: Int
        public var costClass: String
        /// "teacher" or "student": an unseen class borrows its role's mean epoch.
        public var role: String
        /// Runs this one starts after (a distilled student's teacher).
        public var dependsOn: [String]

        public init(name: String, epochs: Int, costClass: String, role: String = "", dependsOn: [String] = []) {
            self.name = name; self.epochs = epochs; self.costClass = costClass; self.role = role; self.dependsOn = dependsOn
        }
    }

    public private(set) var entries: [Entry]
    /// Worker processes running the sweep's runs at the same time (the supervisor's `workers`).
    public var workers = 1
    /// Seconds between two looks at the store for other workers' epochs.
    public static let refreshInterval: TimeInterval = 20
    /// Epochs done per run (finished runs count in full).
    var done: [String: Int] = [:]
    /// Epoch seconds timed by this process, per cost class.
    var timed: [String: (total: Double, count: Int)] = [:]
    /// Runs this process timed: what the store holds about them is not counted again.
    var timedRuns: Set<String> = []
    /// Epoch seconds other processes recorded, per run (replaced at each look: a running run's
    /// series grows).
    var recorded: [String: [Double]] = [:]
    var lastTick: [String: Date] = [:]

    public init(_ entries: [Entry]) { self.entries = entries }

    var totalEpochs: Int { entries.reduce(0) { $0 + $1.epochs } }
    var doneEpochs: Int { entries.reduce(0) { $0 + min($1.epochs, done[$1.name] ?? 0) } }

    /// Marks runs finished elsewhere (or earlier) as complete.
    public mutating func markComplete(_ names: [String]) {
        let finished = Set(names)
        for e in entries where finished.contains(e.name) { done[e.name] = e.epochs }
    }

    /// The epoch times the store holds for a run timed elsewhere (another worker, an earlier
    /// invocation); its epochs so far count as done. Replaces what an earlier look saw.
    public mutating func learn(_ name: String, epochSeconds: [Double]) {
        guard let e = entries.first(where: { $0.name == name }), !timedRuns.contains(name), !epochSeconds.isEmpty else { return }
        recorded[name] = epochSeconds
        done[name] = min(e.epochs, max(done[name] ?? 0, epochSeconds.count))
    }

    /// A run starts (or resumes; its first epoch line says where) now.
    public mutating func start(_ name: String, now: Date = Date()) {
        if done[name] == nil { done[name] = 0 }
        lastTick[name] = now
        timedRuns.insert(name)
        recorded[name] = nil
    }

    /// An epoch of `name` ended: `epoch` epochs are done.
    public mutating func epochEnded(_ name: String, epoch: Int, now: Date = Date()) {
        guard let e = entries.first(where: { $0.name == name }) else { return }
        // Epochs end one at a time; a resumed run's first epoch is timed from its start.
        if let t = lastTick[name], epoch > (done[name] ?? 0) {
            var s = timed[e.costClass] ?? (0, 0)
            s.total += now.timeIntervalSince(t); s.count += 1
            timed[e.costClass] = s
        }
        done[name] = epoch
        lastTick[name] = now
        timedRuns.insert(name)
    }

    /// Seconds and epochs seen per cost class, timed here or recorded elsewhere.
    var secondsPerEpoch: [String: (total: Double, count: Int)] {
        var out = timed
        for e in entries {
            guard let r = recorded[e.name], !r.isEmpty else { continue }
            var s = out[e.costClass] ?? (0, 0)
            s.total += r.reduce(0, +); s.count += r.count
            out[e.costClass] = s
        }
        return out
    }

    /// Estimated seconds per epoch of each entry, once at least one epoch was timed.
    func epochSeconds() -> [String: Double]? {
        let secondsPerEpoch = self.secondsPerEpoch
        guard !secondsPerEpoch.isEmpty else { return nil }
        func mean(_ classes: [(total: Double, count: Int)]) -> Double? {
            classes.isEmpty ? nil : classes.reduce(0) { $0 + $1.total / Double($1.count) } / Double(classes.count)
        }
        let all = mean(Array(secondsPerEpoch.values))!
        var byRole: [String: Double] = [:]
        for role in Set(entries.map(\.role)) {
            let seen = Set(entries.filter { $0.role == role }.map(\.costClass)).compactMap { secondsPerEpoch[$0] }
            byRole[role] = mean(seen)
        }
        var per: [String: Double] = [:]
        for e in entries {
            per[e.name] = secondsPerEpoch[e.costClass].map { $0.total / Double($0.count) } ?? byRole[e.role] ?? all
        }
        return per
    }

    /// Seconds left for the whole sweep, once at least one epoch was timed.
    public var etaSeconds: Double? { epochSeconds().map(eta) }

    /// Share of the work done: epochs weighted by their estimated seconds once any was timed
    /// (a teacher epoch counts for what it costs), plain epochs before.
    public var fraction: Double { fraction(epochSeconds()) }

    /// The work left over `workers`, or the longest chain of dependent runs, whichever is longer.
    func eta(_ per: [String: Double]) -> Double {
        var left: [String: Double] = [:]
        for e in entries { left[e.name] = Double(max(0, e.epochs - (done[e.name] ?? 0))) * per[e.name]! }
        var chain: [String: Double] = [:]
        func chainLeft(_ e: Entry, depth: Int = 0) -> Double {
            if let c = chain[e.name] { return c }
            let before = depth > entries.count ? 0 : e.dependsOn.compactMap { d in entries.first { $0.name == d } }
                .map { chainLeft($0, depth: depth + 1) }.max() ?? 0
            let c = (left[e.name] ?? 0) + before
            chain[e.name] = c
            return c
        }
        let longest = entries.map { chainLeft($0) }.max() ?? 0
        return max(left.values.reduce(0, +) / Double(max(1, workers)), longest)
    }

    func fraction(_ per: [String: Double]?) -> Double {
        guard totalEpochs > 0 else { return 1 }
        guard let per else { return Double(doneEpochs) / Double(totalEpochs) }
        var total = 0.0, finished = 0.0
        for e in entries {
            total += Double(e.epochs) * per[e.name]!
            finished += Double(min(e.epochs, done[e.name] ?? 0)) * per[e.name]!
        }
        return total > 0 ? finished / total : 1
    }

    /// e.g. `sweep [█████░░░░░░░░░░░░░░░]  27%, ETA 6m40s`.
    public func line(width: Int = 20) -> String {
        let per = epochSeconds()
        let done = fraction(per)
        let filled = Int((done * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = per.map { "ETA " + SweepProgress.duration(self.eta($0)) } ?? "ETA –"
        return "sweep [\(bar)] \(String(format: "%3.0f", 100 * done))%, \(eta)"
    }

    /// 42s, 6m40s, 1h05m.
    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m"
    }
}
