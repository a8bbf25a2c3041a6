// Loading a config: defaults ← `_BASE_` chain (oldest first) ← the file ← `--opts KEY VALUE`.
// YAML files are nested mappings (`MODEL: {BACKBONE: {DEPTH: 34}}`) or dotted keys
// (`MODEL.BACKBONE.DEPTH: 34`), or both. `_BASE_` names a file relative to the file that names
// it; a child overrides its base key by key. Every key is checked against Defaults.swift
// (unknown → "did you mean"), every value is coerced to the key's type and range, and then a few
// cross-key rules run. Errors name the key and the file (or `--opts`) that set it.
import Support
import Foundation
import Yams

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum ConfigLoader {
    /// The defaults alone.
    public static func defaults() -> ResolvedConfig {
        ResolvedConfig(values: Dictionary(uniqueKeysWithValues: ConfigDefaults.keys.map { ($0.key, $0.defaultValue) }))
    }

    /// Loads `path` (with its `_BASE_` chain) and applies `overrides` (`[KEY, VALUE, KEY, VALUE, …]`).
    public static func load(file path: String, overrides: [String] = []) throws -> ResolvedConfig {
        var config = defaults()
        try merge(file: path, into: &config, chain: [])
        try apply(overrides: overrides, to: &config)
        try validate(config)
        return config
    }

    /// Loads YAML text (no `_BASE_` unless `directory` is given) and applies `overrides`.
    public static func load(yaml text: String, source: String = "<yaml>", directory: String? = nil,
                            overrides: [String] = []) throws -> ResolvedConfig {
        var config = defaults()
        try merge(text: text, source: source, directory: directory, into: &config, chain: [])
        try apply(overrides: overrides, to: &config)
        try validate(config)
        return config
    }

    // MARK: Files

    static func merge(file path: String, into config: inout ResolvedConfig, chain: [String]) throws {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL
        if chain.contains(url.path) {
            throw ConfigError("\(path): _BASE_ cycle: \((chain + [url.path]).joined(separator: " → "))")
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            let from = chain.last.map { " (named by _BASE_ in \($0))" } ?? ""
            throw ConfigError("\(path): cannot read config file\(from); check the path (resolved to \(url.path))")
        }
        try merge(text: text, source: url.path, directory: url.deletingLastPathComponent().path,
                  into: &config, chain: chain + [url.path])
    }

    static func merge(text: String, source: String, directory: String?, into config: inout ResolvedConfig, chain: [String]) throws {
        let loaded: Any?
        if let problem = YAMLGuard.problem(in: text) { throw ConfigError("\(source): \(problem)") }
        do {
            loaded = try Yams.load(yaml: text).map(normalize)
        } catch {
            throw ConfigError("\(source): not valid YAML: \(error)")
        }
        guard let root = loaded else { return }  // empty file
        guard let map = root as? [String: Any] else {
            throw ConfigError("\(source): the top level must be a mapping of config keys, got \(ValueType.show(root))")
        }
        if let base = map["_BASE_"] {
            guard let b = base as? String, !b.isEmpty else { throw ConfigError("\(source): _BASE_ must be a file path string") }
            guard let dir = directory else { throw ConfigError("\(source): _BASE_ needs a file location to resolve \"\(b)\" against") }
            let basePath = b.hasPrefix("/") || b.hasPrefix("~") ? b : (dir as NSString).appendingPathComponent(b)
            try merge(file: basePath, into: &config, chain: chain)
        }
        var flat: [(String, Any)] = []
        try flatten(map.filter { $0.key != "_BASE_" }, prefix: "", source: source, into: &flat)
        var seen = Set<String>()
        for (key, _) in flat where !seen.insert(key).inserted {
            throw ConfigError("\(source): \(key) is set twice (once nested, once dotted); keep one")
        }
        for (key, raw) in flat.sorted(by: { $0.0 < $1.0 }) {
            try set(key, raw, source: source, in: &config)
        }
    }

    /// Turns nested mappings into dotted keys. A mapping under a known leaf key is an error, and
    /// so is a scalar where a group of keys is expected.
    static func flatten(_ map: [String: Any], prefix: String, source: String, into out: inout [(String, Any)]) throws {
        for (k, v) in map {
            let key = prefix.isEmpty ? k : prefix + "." + k
            if let sub = v as? [String: Any] {
                if ConfigDefaults.byKey[key] != nil {
                    throw ConfigError("\(source): \(key) takes a value (\(ConfigDefaults.byKey[key]!.type.summary)), not a mapping")
                }
                try flatten(sub, prefix: key, source: source, into: &out)
            } else {
                out.append((key, v))
            }
        }
    }

    /// Yams mappings are `[AnyHashable: Any]`; config keys are strings.
    static func normalize(_ v: Any) -> Any {
        if let m = v as? [AnyHashable: Any] {
            var out: [String: Any] = [:]
            for (k, x) in m { out[(k.base as? String) ?? "\(k.base)"] = normalize(x) }
            return out
        }
        if let xs = v as? [Any] { return xs.map(normalize) }
        return v
    }

    // MARK: Keys and values

    static func set(_ key: String, _ raw: Any, source: String, in config: inout ResolvedConfig) throws {
        guard let spec = ConfigDefaults.byKey[key] else {
            let children = ConfigDefaults.keys.map(\.key).filter { $0.hasPrefix(key + ".") }
            if !children.isEmpty {
                let names = children.map { String($0.dropFirst(key.count + 1)) }
                throw ConfigError("\(source): \(key) is a group of keys (\(names.joined(separator: ", "))), not a value; set e.g. \(children[0])")
            }
            throw ConfigError("\(source): unknown config key \(key).\(Suggest.phrase(for: key, in: ConfigDefaults.keys.map(\.key)))")
        }
        do {
            config.values[key] = try spec.type.coerce(raw)
        } catch let e as ConfigIssue {
            throw ConfigError("\(source): \(key): \(e.message)")
        }
    }

    /// Applies `KEY VALUE` pairs; each VALUE is read as a YAML scalar or flow list, and yacs-style
    /// tuples `(256, 128)` are accepted as lists.
    public static func apply(overrides: [String], to config: inout ResolvedConfig) throws {
        guard overrides.count % 2 == 0 else {
            throw ConfigError("--opts: expected KEY VALUE pairs, got an odd number of items (\(overrides.count)); last: \(overrides.last ?? "")")
        }
        for i in stride(from: 0, to: overrides.count, by: 2) {
            let key = overrides[i]
            var text = overrides[i + 1].trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("("), text.hasSuffix(")") { text = "[" + text.dropFirst().dropLast() + "]" }
            let raw: Any
            if YAMLGuard.problem(in: text) == nil, let parsed = (try? Yams.load(yaml: text))?.map(normalize), !(parsed is [String: Any]) {
                raw = parsed
            } else {
                raw = overrides[i + 1]
            }
            try set(key, raw, source: "--opts", in: &config)
        }
    }

    /// Cross-key rules that single-key ranges cannot express.
    static func validate(_ c: ResolvedConfig) throws {
        let steps = c.intList("SOLVER.STEPS")
        if steps != steps.sorted() {
            throw ConfigError("SOLVER.STEPS must be increasing, got \(steps)")
        }
        if c.string("DATALOADER.SAMPLER_TRAIN") == "NaiveIdentitySampler" {
            let b = c.int("SOLVER.IMS_PER_BATCH"), k = c.int("DATALOADER.NUM_INSTANCE")
            if b % k != 0 || b / k < 2 {
                throw ConfigError("SOLVER.IMS_PER_BATCH (\(b)) must be a multiple of DATALOADER.NUM_INSTANCE (\(k)) with at least 2 identities per batch")
            }
        }
        if c.string("SOLVER.OPT") == "SGD" && c.bool("SOLVER.NESTEROV") && c.double("SOLVER.MOMENTUM") == 0 {
            throw ConfigError("SOLVER.NESTEROV needs SOLVER.MOMENTUM > 0")
        }
    }
}
