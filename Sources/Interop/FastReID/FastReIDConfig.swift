// A FastReID config file read as FastReID (yacs) reads it: YAML with an optional `_BASE_` file
// (relative to the file naming it, `~` expanded), bases merged first and overridden key by key,
// recursively; a `cfg.dump()` output is just a file without `_BASE_`. Values stay as YAML gave
// them; yacs' literal forms that YAML reads as strings ("(256, 128)", "True") are decoded when a
// value is used. Keys absent from the file take FastReID 1.4's defaults (FastReIDKeys.swift).
import Foundation
import Yams
import Config

public struct FastReIDConfig {
    /// The file that was read (the child of the `_BASE_` chain).
    public let path: String
    /// Every key the file and its bases set, dotted (MODEL.BACKBONE.DEPTH), with its value.
    public let values: [String: Any]

    public init(path: String, values: [String: Any]) {
        self.path = path; self.values = values
    }

    public static func load(_ path: String) throws -> FastReIDConfig {
        var merged: [String: Any] = [:]
        try merge(file: path, into: &merged, chain: [])
        var flat: [String: Any] = [:]
        flatten(merged, prefix: "", into: &flat)
        return FastReIDConfig(path: path, values: flat)
    }

    static func merge(file path: String, into merged: inout [String: Any], chain: [String]) throws {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL
        guard !chain.contains(url.path) else {
            throw InteropError(path: chain.first ?? path, "_BASE_ cycle: \((chain + [url.path]).joined(separator: " → "))")
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            let from = chain.last.map { " (named by _BASE_ in \($0))" } ?? ""
            throw InteropError(path: url.path, "cannot read this FastReID config\(from)")
        }
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw InteropError(path: url.path, "not valid YAML: \(error)")
        }
        guard let root = loaded.map(normalize) else { return }
        guard var map = root as? [String: Any] else { throw InteropError(path: url.path, "the top level of a FastReID config must be a mapping") }
        if let base = map.removeValue(forKey: "_BASE_") {
            guard let b = base as? String, !b.isEmpty else { throw InteropError(path: url.path, "_BASE_ must be a file path") }
            if b.hasPrefix("http://") || b.hasPrefix("https://") {
                throw InteropError(path: url.path, "_BASE_ \(b) is a URL; download it and point _BASE_ at the file (nothing is fetched here)")
            }
            let expanded = (b as NSString).expandingTildeInPath
            let basePath = expanded.hasPrefix("/") ? expanded : url.deletingLastPathComponent().appendingPathComponent(b).path
            try merge(file: basePath, into: &merged, chain: chain + [url.path])
        }
        merged = mergeDicts(map, into: merged)
    }

    /// yacs' merge_a_into_b: mappings merge key by key, anything else replaces.
    static func mergeDicts(_ a: [String: Any], into b: [String: Any]) -> [String: Any] {
        var out = b
        for (k, v) in a {
            if let sub = v as? [String: Any], let old = out[k] as? [String: Any] {
                out[k] = mergeDicts(sub, into: old)
            } else {
                out[k] = v
            }
        }
        return out
    }

    static func flatten(_ map: [String: Any], prefix: String, into out: inout [String: Any]) {
        for (k, v) in map {
            let key = prefix.isEmpty ? k : "\(prefix).\(k)"
            if let sub = v as? [String: Any] { flatten(sub, prefix: key, into: &out) } else { out[key] = v }
        }
    }

    /// Yams mappings are `[AnyHashable: Any]`; keys become strings (the config loader's rule).
    static func normalize(_ v: Any) -> Any { ConfigLoader.normalize(v) }
}

/// Reading a config value as the type FastReID's default has, with yacs' literal forms.
enum FastReIDValue {
    static func string(_ v: Any) -> String? {
        if let s = v as? String { return s }
        if let i = v as? Int { return String(i) }
        if let d = v as? Double { return String(d) }
        if let b = v as? Bool { return b ? "True" : "False" }
        return nil
    }

    static func bool(_ v: Any) -> Bool? {
        if let b = v as? Bool { return b }
        switch (v as? String)?.lowercased() {
        case "true"?: return true
        case "false"?: return false
        default: return nil
        }
    }

    static func int(_ v: Any) -> Int? {
        if let i = v as? Int { return i }
        if let d = v as? Double, d == d.rounded() { return Int(d) }
        return (v as? String).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func double(_ v: Any) -> Double? {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        return (v as? String).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// A list, also from yacs' tuple/list literals written as strings: "(256, 128)", "[0.5, 0.5]".
    static func list(_ v: Any) -> [Any]? {
        if let xs = v as? [Any] { return xs }
        guard var s = (v as? String)?.trimmingCharacters(in: .whitespaces), let f = s.first, f == "(" || f == "[" else { return nil }
        s = String(s.dropFirst().dropLast())
        return s.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " '\"")) }.filter { !$0.isEmpty }
    }

    static func doubles(_ v: Any) -> [Double]? {
        guard let xs = list(v) else { return nil }
        let out = xs.compactMap(double)
        return out.count == xs.count ? out : nil
    }

    static func ints(_ v: Any) -> [Int]? {
        guard let xs = list(v) else { return nil }
        let out = xs.compactMap(int)
        return out.count == xs.count ? out : nil
    }

    /// How a value is shown in reports and errors.
    static func show(_ v: Any) -> String {
        if let xs = v as? [Any] { return "[" + xs.map(show).joined(separator: ", ") + "]" }
        if v is NSNull { return "null" }
        return string(v) ?? "\(v)"
    }
}
