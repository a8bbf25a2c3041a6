// A fully resolved config: one value for every key of its schema. It prints as nested YAML (in
// the schema's order, so related keys stay together) that loads back to the same config, and
// hashes canonically: SHA-256 of the JSON of the nested mapping with keys sorted, no
// whitespace, floats in shortest round-trip form with a '.', leaving out keys marked
// `hashed: false` (paths that do not change results, such as OUTPUT_DIR).
//
// Typed reads (`config[\SolverKeys.baseLR]`) record the key in `readKeys`, shared by every copy
// of the config, so a test can build and train a run and then list the keys nothing read.
import Foundation
import Support

public struct ResolvedConfig: Equatable, @unchecked Sendable {
    public let schema: ConfigSchema
    /// Value per dotted key; always holds every key of the schema.
    public internal(set) var values: [String: ConfigValue]
    private let reads = ReadLog()

    public init(schema: ConfigSchema, values: [String: ConfigValue]) {
        self.schema = schema; self.values = values
    }

    public static func == (a: ResolvedConfig, b: ResolvedConfig) -> Bool { a.values == b.values }

    // MARK: Typed access (a key outside the schema or of another type is a programming error)

    public subscript<V>(_ key: Key<V>) -> V {
        reads.insert(key.name)
        return peek(key)
    }

    public subscript<G: ConfigKeyGroup, V>(_ path: KeyPath<G, Key<V>>) -> V {
        self[G.shared[keyPath: path]]
    }

    /// A typed value without recording a read: for validation rules, printing and identities,
    /// which look at a key without making it take effect.
    public func peek<V>(_ key: Key<V>) -> V {
        let raw = value(key.name)
        guard let v = V.read(raw) else { preconditionFailure("config key \(key.name) holds \(raw), not a \(V.self)") }
        return v
    }

    public func peek<G: ConfigKeyGroup, V>(_ path: KeyPath<G, Key<V>>) -> V {
        peek(G.shared[keyPath: path])
    }

    /// The raw value, without recording a read (printing, hashing, tables).
    public func value(_ key: String) -> ConfigValue {
        guard let v = values[key] else { preconditionFailure("config key \(key) is not in the schema") }
        return v
    }

    /// Keys read through the typed subscripts so far, by this config or any copy of it.
    public var readKeys: Set<String> { reads.keys }

    /// A copy with `key` set to `value` (validated against the key's type; for tests and tools).
    public func setting(_ key: String, _ value: Any) throws -> ResolvedConfig {
        var c = self
        try ConfigLoader.set(key, value, source: "setting", in: &c)
        return c
    }

    /// Keys whose value differs from the default, in schema order.
    public var changedKeys: [String] {
        schema.keys.filter { values[$0.key] != $0.defaultValue }.map(\.key)
    }

    // MARK: Printing and hashing

    /// Nested block YAML of every key, in schema order.
    public var yaml: String {
        var lines: [String] = []
        var open: [String] = []  // path components of the mapping we are inside
        for spec in schema.keys {
            let parts = spec.key.split(separator: ".").map(String.init)
            let groups = Array(parts.dropLast())
            var common = 0
            while common < min(open.count, groups.count) && open[common] == groups[common] { common += 1 }
            open = Array(open.prefix(common))
            for g in groups.dropFirst(common) {
                lines.append(String(repeating: "  ", count: open.count) + g + ":")
                open.append(g)
            }
            lines.append(String(repeating: "  ", count: open.count) + parts.last! + ": " + value(spec.key).yaml)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The canonical JSON text that `sha256` hashes.
    public var canonicalJSON: String { canonicalJSON(keys: schema.keys.filter(\.hashed).map(\.key)) }

    /// Canonical JSON of just these keys (the teacher cache hashes the data-pipeline keys).
    public func canonicalJSON(keys: [String]) -> String {
        Self.json(keys.map { ($0.split(separator: ".").map(String.init), value($0)) })
    }

    /// Lower-case hex SHA-256 of `canonicalJSON`.
    public var sha256: String { SHA256.hex(canonicalJSON) }

    /// JSON object for (path, value) pairs sharing a prefix already consumed; keys sorted by bytes.
    private static func json(_ entries: [([String], ConfigValue)]) -> String {
        var leaves: [String: ConfigValue] = [:]
        var groups: [String: [([String], ConfigValue)]] = [:]
        for (path, v) in entries {
            if path.count == 1 { leaves[path[0]] = v } else { groups[path[0], default: []].append((Array(path.dropFirst()), v)) }
        }
        let names = Set(leaves.keys).union(groups.keys).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let members = names.map { n in JSONText.quote(n) + ":" + (leaves[n]?.json ?? json(groups[n]!)) }
        return "{" + members.joined(separator: ",") + "}"
    }
}

/// The keys read so far (a reference shared by copies of one config).
final class ReadLog: @unchecked Sendable {
    private var set = Set<String>()
    private let lock = NSLock()
    func insert(_ k: String) { lock.lock(); set.insert(k); lock.unlock() }
    var keys: Set<String> { lock.lock(); defer { lock.unlock() }; return set }
}
