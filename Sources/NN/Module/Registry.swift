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

/// " — did you mean 'x'?" for the closest candidate within a small edit distance, else "".
public func didYouMean(_ word: String, _ candidates: [String]) -> String {
    let w = word.lowercased()
    let scored = candidates.map { ($0, editDistance(w, $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, w.count / 2) else { return "" }
    return " — did you mean '\(best.0)'?"
}

/// Levenshtein distance.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
