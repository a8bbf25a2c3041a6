// Config values and their types. A key's type and allowed range live with its default in the
// key group of the module that reads it (ConfigKey.swift); `ValueType.coerce` turns whatever
// YAML or `--opts` produced into that type (ints into floats, "1e-7" strings into floats, a
// scalar into a one-element list) or explains why it cannot, naming the key.
import Support
import Foundation

/// One resolved config value.
public enum ConfigValue: Equatable, Sendable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case list([ConfigValue])

    /// Flow-style YAML that reads back to the same value (strings always quoted; floats always
    /// with a '.' so YAML 1.1 readers such as PyYAML see a float, not a string).
    public var yaml: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d): return Self.floatText(d)
        case .string(let s): return JSONText.quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .list(let xs): return "[" + xs.map(\.yaml).joined(separator: ", ") + "]"
        }
    }

    /// Canonical JSON (no spaces) used for hashing; byte-identical to Python's
    /// `json.dumps(v, sort_keys=True, separators=(",", ":"))` (floats in shortest repr).
    public var json: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d): return JSONText.number(d)
        case .string(let s): return JSONText.quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .list(let xs): return "[" + xs.map(\.json).joined(separator: ",") + "]"
        }
    }

    /// Plain text for tables and the store's `params`: strings unquoted, the rest as JSON.
    public var plain: String {
        if case .string(let s) = self { return s }
        return json
    }

    /// Shortest round-trip text of a double, always with a '.' ("1.0e-07", "0.00035", "3.0").
    static func floatText(_ d: Double) -> String {
        var s = JSONText.number(d)
        if !s.contains(".") {
            if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) { s.insert(contentsOf: ".0", at: e) } else { s += ".0" }
        }
        return s
    }
}

/// The type (and allowed values) of a config key.
public indirect enum ValueType: Sendable {
    case int(ClosedRange<Int>)
    case intChoice([Int])
    case double(ClosedRange<Double>)
    case string([String]?)           // nil: any string
    case bool
    case list(ValueType, count: ClosedRange<Int>)

    /// A short description for messages and docs ("int in 1...1000", "one of SGD, Adam").
    public var summary: String {
        switch self {
        case .int(let r): return r.upperBound == Int.max ? "int ≥ \(r.lowerBound)" : "int in [\(r.lowerBound), \(r.upperBound)]"
        case .intChoice(let c): return "one of " + c.map(String.init).joined(separator: ", ")
        case .double(let r):
            return r.upperBound == .infinity ? "float ≥ \(ConfigValue.floatText(r.lowerBound))"
                : "float in [\(ConfigValue.floatText(r.lowerBound)), \(ConfigValue.floatText(r.upperBound))]"
        case .string(let c): return c.map { "one of " + $0.joined(separator: ", ") } ?? "string"
        case .bool: return "bool"
        case .list(let t, let n):
            let len = n.lowerBound == n.upperBound ? "\(n.lowerBound) × " : (n.upperBound == Int.max ? "" : "\(n.lowerBound)–\(n.upperBound) × ")
            return "list of \(len)\(t.summary)"
        }
    }

    /// Converts a value loaded from YAML (Int, Double, String, Bool, [Any]) to this type.
    /// Throws a message without the key; the caller adds key and source.
    public func coerce(_ raw: Any) throws -> ConfigValue {
        func bad(_ expected: String) -> ConfigIssue { ConfigIssue("expected \(expected), got \(Self.show(raw))") }
        switch self {
        case .int(let r):
            guard let i = Self.asInt(raw) else { throw bad("an integer") }
            guard r.contains(i) else { throw ConfigIssue("\(i) is out of range (\(summary))") }
            return .int(i)
        case .intChoice(let c):
            guard let i = Self.asInt(raw) else { throw bad("an integer") }
            guard c.contains(i) else { throw ConfigIssue("\(i) is not allowed (\(summary))") }
            return .int(i)
        case .double(let r):
            guard let d = Self.asDouble(raw), d.isFinite else { throw bad("a number") }
            guard r.contains(d) else { throw ConfigIssue("\(ConfigValue.floatText(d)) is out of range (\(summary))") }
            return .double(d)
        case .string(let choices):
            guard let s = raw as? String else { throw bad("a string") }
            if let c = choices, !c.contains(s) {
                throw ConfigIssue("\"\(s)\" is not allowed (\(summary)).\(Suggest.phrase(for: s, in: c))")
            }
            return .string(s)
        case .bool:
            if let b = raw as? Bool { return .bool(b) }
            if let s = raw as? String, ["true", "false"].contains(s.lowercased()) { return .bool(s.lowercased() == "true") }
            throw bad("true or false")
        case .list(let t, let n):
            let items: [Any] = (raw as? [Any]) ?? [raw]
            guard n.contains(items.count) else {
                throw ConfigIssue("expected \(summary), got \(items.count) item\(items.count == 1 ? "" : "s")")
            }
            return .list(try items.enumerated().map { i, x in
                do { return try t.coerce(x) } catch let e as ConfigIssue { throw ConfigIssue("item \(i): \(e.message)") }
            })
        }
    }

    private static func asInt(_ raw: Any) -> Int? {
        if raw is Bool { return nil }
        if let i = raw as? Int { return i }
        if let d = raw as? Double, d == d.rounded(), abs(d) < 9e15 { return Int(d) }
        if let s = raw as? String { return Int(s.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    private static func asDouble(_ raw: Any) -> Double? {
        if raw is Bool { return nil }
        if let i = raw as? Int { return Double(i) }
        if let d = raw as? Double { return d }
        if let s = raw as? String { return Double(s.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    public static func show(_ raw: Any) -> String {
        switch raw {
        case let s as String: return "\"\(s)\""
        case let b as Bool: return b ? "true" : "false"
        case let xs as [Any]: return "[" + xs.map(show).joined(separator: ", ") + "]"
        case is [String: Any]: return "a mapping"
        default: return "\(raw)"
        }
    }
}

/// A problem with one value, before the key and source are known.
public struct ConfigIssue: Error {
    public let message: String
    public init(_ message: String) { self.message = message }
}
