// Errors the report prints as one line naming the store, sweep, run or folder and the fix —
// never a crash trace. Store errors (missing store, unknown sweep or run) pass through as they are.
import Foundation

public struct ReportError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func emptyStore(_ path: String) -> ReportError {
        ReportError("the experiment store \(path) holds no sweep: run `reidkd sweep FILE` first, or pass --runs IDS")
    }
    static func noFinishedRuns(_ what: String, path: String, counts: String) -> ReportError {
        ReportError("\(what) in \(path) has no finished run (\(counts)): finish it with `reidkd sweep FILE` (finished runs are skipped), or report other runs with --runs IDS")
    }
    static func badRunList(_ text: String) -> ReportError {
        ReportError("--runs: cannot read '\(text)' as run ids; give ids and ranges separated by commas, e.g. --runs 1,3,5-8")
    }
    static func badFormat(_ name: String) -> ReportError {
        ReportError("--format: unknown format '\(name)'; choose from " + ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))
    }
    static func unwritable(_ dir: String, _ reason: String) -> ReportError {
        ReportError("cannot write the report to \(dir): \(reason); pass --out DIR with a writable folder (nothing was written)")
    }
}

extension ReportError: LocalizedError {
    public var errorDescription: String? { description }
}
