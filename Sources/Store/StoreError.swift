// Errors the store reports. Each names the store file (and run/sweep) and says how to fix it;
// callers print `description` and exit — never a crash trace.
import Foundation

public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// Opened for reading with `create: false` and nothing is there.
    case missingStore(path: String)
    /// The file exists but is not an SQLite database (or is damaged).
    case notAStore(path: String, message: String)
    /// The file was migrated by a newer ReidKD: it has migrations this build does not know.
    case newerSchema(path: String, unknown: [String], known: [String])
    case unknownRun(id: Int64, path: String)
    case unknownSweep(name: String, path: String, suggestion: String?)
    /// The sweep already has a run of this name with a different resolved config.
    case runConfigChanged(sweep: String, run: String, storedHash: String, newHash: String)
    /// A status change the lifecycle does not allow (e.g. finishing a run another worker re-queued).
    case invalidTransition(run: Int64, from: RunStatus, to: RunStatus)
    /// An artifact file that cannot be read.
    case unreadableArtifact(path: String, message: String)
    /// `store copy` found a different sweep of the same name in the target.
    case copyConflict(sweep: String, target: String, differences: String)
    /// Any other database failure, with what the store was doing.
    case database(path: String, action: String, message: String)

    public var description: String {
        switch self {
        case .missingStore(let p):
            return "no experiment store at \(p): run a sweep first (`reidkd sweep FILE`) or pass --store PATH to an existing store"
        case .notAStore(let p, let m):
            return "\(p) is not a ReidKD experiment store (\(m)); pass --store PATH to a store written by `reidkd sweep`"
        case .newerSchema(let p, let unknown, let known):
            return "\(p) was written by a newer ReidKD (schema migrations \(unknown.joined(separator: ", ")) are unknown to this build, which knows \(known.joined(separator: ", "))): update reidkd, or use another --store"
        case .unknownRun(let id, let p):
            return "no run with id \(id) in \(p); `reidkd runs list --store \(p)` shows the ids"
        case .unknownSweep(let name, let p, let s):
            return "no sweep named '\(name)' in \(p)" + (s.map { "; did you mean '\($0)'?" } ?? "; `reidkd runs list` shows the sweeps")
        case .runConfigChanged(let sweep, let run, let old, let new):
            return "sweep '\(sweep)' already has a run '\(run)' with config hash \(old), but the plan now gives \(new): give the sweep a new name, or delete the old store entry"
        case .invalidTransition(let id, let from, let to):
            return "run \(id) is \(from.rawValue), so it cannot become \(to.rawValue)" + (from == .queued ? " (was it re-queued as stale while still running? raise the stale timeout)" : "")
        case .unreadableArtifact(let p, let m):
            return "cannot read artifact \(p): \(m)"
        case .copyConflict(let sweep, let target, let d):
            return "\(target) already has a different sweep named '\(sweep)' (\(d)); copy into another store, or remove that sweep there first"
        case .database(let p, let action, let m):
            return "experiment store \(p): \(action) failed: \(m)"
        }
    }
}

extension StoreError: LocalizedError {
    public var errorDescription: String? { description }
}
