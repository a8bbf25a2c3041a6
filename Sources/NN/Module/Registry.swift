import Support
// Registries: name → builder, one line per entry. Unknown names are a user error (they come from
// configs), reported with the closest valid name.

/// A user-facing configuration error with a message that names the key and the fix.
public struct NNError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Named builders of one kind of part (backbones, poolings, classifiers, losses).
public struct Registry<Builder> {
    public let kind: String
    public private(set) var entries: [(String, Builder)]

    public init(kind: String, _ entries: [(String, Builder)]) {
        self.kind = kind
        self.entries = entries
    }

    public var names: [String] { entries.map(\.0) }

    /// The builder registered under `name` (case-insensitive), or an error with a suggestion.
    public func lookup(_ name: String) throws -> Builder {
        if let e = entries.first(where: { $0.0.lowercased() == name.lowercased() }) { return e.1 }
        throw NNError("unknown \(kind) '\(name)'" + didYouMean(name, names) + "; valid: \(names.joined(separator: ", "))")
    }
}

/// " — did you mean 'x'?" for the closest candidate (Support.Suggest), else "".
public func didYouMean(_ word: String, _ candidates: [String]) -> String {
    Suggest.closest(to: word, in: candidates).map { " — did you mean '\($0)'?" } ?? ""
}
