// Every failure in module Data is a `DataError`: it names the file or folder and says what was
// expected, so the CLI can print it as is (never a crash trace).
import Foundation

public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        case unreadable, emptyFile, notAnImage, corruptImage, tooLarge, badName, badLayout, emptySplit, badConfig, writeFailed
    }
    public let kind: Kind
    /// The file or folder at fault (empty when not applicable).
    public let path: String
    /// What went wrong and what was expected.
    public let message: String

    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Files a `--skip-bad` run left out, with the reason for each.
public struct SkipReport: Sendable {
    public private(set) var skipped: [DataError] = []
    public init() {}
    public mutating func add(_ e: DataError) { skipped.append(e) }
    public var isEmpty: Bool { skipped.isEmpty }
    /// "skipped 3 files: 2 badName, 1 corruptImage" plus the first few paths.
    public var summary: String {
        if skipped.isEmpty { return "skipped 0 files" }
        var byKind: [String: Int] = [:]
        for e in skipped { byKind[e.kind.rawValue, default: 0] += 1 }
        let kinds = byKind.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var s = "skipped \(skipped.count) file\(skipped.count == 1 ? "" : "s"): \(kinds)"
        for e in skipped.prefix(5) { s += "\n  \(e)" }
        if skipped.count > 5 { s += "\n  … and \(skipped.count - 5) more" }
        return s
    }
}
