// Reading the flattened config values the store holds. The sweep runner has stored them both as
// plain text (`kl`, `4.0`) and as Swift enum descriptions (`string("kl")`, `double(4.0)`,
// `list([NN.ConfigValue.int(64), …])`); the report shows and compares the plain form either way.
import Foundation
import NN
import Distill

public enum ParamText {
    /// `string("kl")` → `kl`, `double(4.0)` → `4.0`, `list([NN.ConfigValue.int(64), NN.ConfigValue.int(32)])`
    /// → `[64, 32]`; plain text comes back unchanged.
    public static func plain(_ raw: String) -> String {
        var s = raw.trimmingCharacters(in: .whitespaces)
        s = s.replacingOccurrences(of: "NN.ConfigValue.", with: "")
        for tag in ["string", "int", "double", "bool"] where s.hasPrefix(tag + "(") && s.hasSuffix(")") {
            let inner = String(s.dropFirst(tag.count + 1).dropLast())
            if tag == "string" { return unquote(inner) }
            return inner.contains("(") ? s : inner
        }
        if s.hasPrefix("list([") && s.hasSuffix("])") {
            let inner = String(s.dropFirst(6).dropLast(2))
            return "[" + splitTopLevel(inner).map(plain).joined(separator: ", ") + "]"
        }
        return s
    }

    /// A number for display: `4.0` → `4`, `0.25` → `0.25`; non-numbers unchanged.
    public static func short(_ value: String) -> String {
        guard let d = Double(value), d.isFinite else { return value }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    static func unquote(_ s: String) -> String {
        guard s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") else { return s }
        return String(s.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            .replacingOccurrences(of: "\\\\", with: "\\")
    }

    /// Splits `a(x, y), b` at commas outside parentheses, brackets and quotes.
    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = [], cur = "", depth = 0, quoted = false, escaped = false
        for c in s {
            if quoted {
                cur.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\"": quoted = true; cur.append(c)
            case "(", "[": depth += 1; cur.append(c)
            case ")", "]": depth -= 1; cur.append(c)
            case "," where depth == 0: parts.append(cur.trimmingCharacters(in: .whitespaces)); cur = ""
            default: cur.append(c)
            }
        }
        let last = cur.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts
    }

    /// True for the seed and for params that are paths derived from the run (see ReportDefaults).
    public static func isBookkeeping(_ key: String) -> Bool {
        ReportDefaults.bookkeepingKeys.contains(key) || key.uppercased().hasSuffix(".SEED")
    }

    /// `resnet18 ×0.25`, `mobilenetv2 ×0.5` (depth only for ResNet-family names), from plain params.
    public static func backboneLabel(_ p: [String: String]) -> String {
        let keys = ModelKeys.shared
        let name = p[keys.backboneName.name] ?? "?"
        var label = name
        if name.lowercased().hasPrefix("resne"), let d = p[keys.depth.name] { label += d }
        if let w = p[keys.width.name], Double(w) != 1 { label += " ×" + short(w) }
        return label
    }

    /// The KD method (`none`, `kl`, `kl+mse` …) from plain params.
    public static func kdMethod(_ p: [String: String]) -> String {
        let m = p[ReportDefaults.methodKey] ?? "none"
        return m.isEmpty ? "none" : m
    }

    /// The weights of the method's own terms: `T=4 logit=1, embed=1` style (`—` for none).
    public static func kdWeights(_ p: [String: String]) -> String {
        let method = kdMethod(p)
        guard method != "none" else { return "—" }
        var keys: [String] = []
        for term in method.split(separator: "+").map(String.init) {
            for k in ReportDefaults.termWeights(term) where !keys.contains(k) { keys.append(k) }
        }
        return keys.compactMap { k in p[k].map { weightName(k) + "=" + short($0) } }.joined(separator: " ")
    }

    /// `KD.TEMPERATURE` → `T`, `KD.LOGIT_WEIGHT` → `logit` …
    public static func weightName(_ key: String) -> String {
        if key == LogitKDKeys.shared.temperature.name { return "T" }
        if key == HintKeys.shared.stage.name { return "stage" }
        var k = key.hasPrefix("KD.") ? String(key.dropFirst(3)) : key
        if k.hasSuffix("_WEIGHT") { k = String(k.dropLast(7)) }
        return k.lowercased()
    }
}
