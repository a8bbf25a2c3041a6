// Loading a config: defaults ← `_BASE_` chain (oldest first) ← the file ← `--opts KEY VALUE`.
// YAML files are nested mappings (`MODEL: {BACKBONE: {DEPTH: 34}}`) or dotted keys
// (`MODEL.BACKBONE.DEPTH: 34`), or both. `_BASE_` names a file relative to the file that names
// it; a child overrides its base key by key. Every key is checked against the schema
// (unknown → "did you mean"), every value is coerced to the key's type and range, and then the
// groups' cross-key rules run. Errors name the key and the file (or `--opts`) that set it.
import Support
import Foundation
import Yams

extension ConfigSchema {
    /// Loads `path` (with its `_BASE_` chain) and applies `overrides` (`[KEY, VALUE, KEY, VALUE, …]`).
    public func load(file path: String, overrides: [String] = []) throws -> ResolvedConfig {
        var config = defaults()
        try ConfigLoader.merge(file: path, into: &config, chain: [])
        try ConfigLoader.apply(overrides: overrides, to: &config)
        try validate(config)
        return config
    }

    /// Loads YAML text (no `_BASE_` unless `directory` is given) and applies `overrides`.
    public func load(yaml text: String, source: String = "<yaml>", directory: String? = nil,
                     overrides: [String] = []) throws -> ResolvedConfig {
        var config = defaults()
        try ConfigLoader.merge(text: text, source: source, directory: directory, into: &config, chain: [])
        try ConfigLoader.apply(overrides: overrides, to: &config)
        try validate(config)
        return config
    }

    /// The defaults with `overrides` applied and validated.
    public func load(overrides: [String]) throws -> ResolvedConfig {
        var config = defaults()
        try ConfigLoader.apply(overrides: overrides, to: &config)
        try validate(config)
        return config
    }
}

public enum ConfigLoader {
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
        try flatten(map.filter { $0.key != "_BASE_" }, prefix: "", source: source, schema: config.schema, into: &flat)
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
    static func flatten(_ map: [String: Any], prefix: String, source: String, schema: ConfigSchema,
                        into out: inout [(String, Any)]) throws {
        for (k, v) in map {
            let key = prefix.isEmpty ? k : prefix + "." + k
            if let sub = v as? [String: Any] {
                if let spec = schema.byKey[key] {
                    throw ConfigError("\(source): \(key) takes a value (\(spec.type.summary)), not a mapping")
                }
                try flatten(sub, prefix: key, source: source, schema: schema, into: &out)
            } else {
                out.append((key, v))
            }
        }
    }

    /// Yams mappings are `[AnyHashable: Any]`; config keys are strings.
    public static func normalize(_ v: Any) -> Any {
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
        let all = config.schema.keys.map(\.key)
        guard let spec = config.schema.byKey[key] else {
            let children = all.filter { $0.hasPrefix(key + ".") }
            if !children.isEmpty {
                let names = children.map { String($0.dropFirst(key.count + 1)) }
                throw ConfigError("\(source): \(key) is a group of keys (\(names.joined(separator: ", "))), not a value; set e.g. \(children[0])")
            }
            throw ConfigError("\(source): unknown config key \(key).\(Suggest.phrase(for: key, in: all))")
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
}
