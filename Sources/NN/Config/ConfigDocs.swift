// The key reference of docs/CONFIG.md, generated from Defaults.swift so the two cannot drift
// (a test compares them).
import Foundation

public enum ConfigDocs {
    /// A Markdown table of every key: key, default, type/range, hashed, meaning.
    public static func markdownTable() -> String {
        var lines = ["| key | default | type / allowed | meaning |", "|---|---|---|---|"]
        for k in ConfigDefaults.keys {
            let meaning = k.doc.replacingOccurrences(of: "|", with: "\\|") + (k.hashed ? "" : " *(not hashed)*")
            lines.append("| `\(k.key)` | `\(k.defaultValue.yaml)` | \(k.type.summary) | \(meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
