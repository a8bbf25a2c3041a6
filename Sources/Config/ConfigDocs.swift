// The key reference of docs/CONFIG.md, generated from the schema so the two cannot drift
// (a test compares them).
import Foundation

extension ConfigSchema {
    /// A Markdown table of every key: key, default, type/range, hashed, meaning.
    public func markdownTable() -> String {
        var lines = ["| key | default | type / allowed | meaning |", "|---|---|---|---|"]
        for k in keys {
            let meaning = k.doc.replacingOccurrences(of: "|", with: "\\|") + (k.hashed ? "" : " *(not hashed)*")
            lines.append("| `\(k.key)` | `\(k.defaultValue.yaml)` | \(k.type.summary) | \(meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
