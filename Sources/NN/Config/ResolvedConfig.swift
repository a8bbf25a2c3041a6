// A fully resolved config: one value for every key of Defaults.swift. It prints as nested YAML
// (in the defaults' order, so related keys stay together) that loads back to the same config,
// and hashes canonically: SHA-256 of the JSON of the nested mapping with keys sorted, no
// whitespace, floats in shortest round-trip form with a '.', leaving out keys marked
// `hashed: false` (paths that do not change results, such as OUTPUT_DIR).

import Support

public struct ResolvedConfig: Equatable, Sendable {
    /// Value per dotted key; always holds every key of `ConfigDefaults.keys`.
    public internal(set) var values: [String: ConfigValue]

    // MARK: Typed access (keys come from Defaults.swift; a wrong key or type is a programming error)

    public func value(_ key: String) -> ConfigValue {
        guard let v = values[key] else { preconditionFailure("config key \(key) is not in Defaults.swift") }
        return v
    }
    public func int(_ key: String) -> Int {
        guard case .int(let i) = value(key) else { preconditionFailure("config key \(key) is not an int") }
        return i
    }
    public func double(_ key: String) -> Double {
        guard case .double(let d) = value(key) else { preconditionFailure("config key \(key) is not a float") }
        return d
    }
    public func string(_ key: String) -> String {
        guard case .string(let s) = value(key) else { preconditionFailure("config key \(key) is not a string") }
        return s
    }
    public func bool(_ key: String) -> Bool {
        guard case .bool(let b) = value(key) else { preconditionFailure("config key \(key) is not a bool") }
        return b
    }
    public func intList(_ key: String) -> [Int] {
        guard case .list(let xs) = value(key) else { preconditionFailure("config key \(key) is not a list") }
        return xs.map { if case .int(let i) = $0 { return i }; preconditionFailure("config key \(key) is not a list of ints") }
    }
    public func doubleList(_ key: String) -> [Double] {
        guard case .list(let xs) = value(key) else { preconditionFailure("config key \(key) is not a list") }
        return xs.map { if case .double(let d) = $0 { return d }; preconditionFailure("config key \(key) is not a list of floats") }
    }
    public func stringList(_ key: String) -> [String] {
        guard case .list(let xs) = value(key) else { preconditionFailure("config key \(key) is not a list") }
        return xs.map { if case .string(let s) = $0 { return s }; preconditionFailure("config key \(key) is not a list of strings") }
    }

    /// Keys whose value differs from the default, in defaults order.
    public var changedKeys: [String] {
        ConfigDefaults.keys.filter { values[$0.key] != $0.defaultValue }.map(\.key)
    }

    // MARK: Printing and hashing

    /// Nested block YAML of every key, in the defaults' order.
    public var yaml: String {
        var lines: [String] = []
        var open: [String] = []  // path components of the mapping we are inside
        for spec in ConfigDefaults.keys {
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
    public var canonicalJSON: String {
        let hashed = ConfigDefaults.keys.filter(\.hashed).map { ($0.key.split(separator: ".").map(String.init), value($0.key)) }
        return Self.json(hashed)
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
