// What an import did, for IMPORT.md and the command's summary: how each config key was mapped or
// why it was ignored, which tensors loaded, which the model has that the checkpoint lacks
// (missing) and which the checkpoint has that the model lacks (unexpected), and the reader's notes.
import Foundation

public struct ImportReport {
    public var checkpoint: String
    public var config: String?
    public var format: String
    public var mapped: [(key: String, value: String, becomes: String)] = []
    public var ignored: [(key: String, value: String, reason: String)] = []
    public var unknown: [(key: String, value: String)] = []
    public var loaded = 0
    public var total = 0
    public var missing: [String] = []
    public var unexpected: [String] = []
    public var notes: [String] = []
    public var warnings: [String] = []

    public init(checkpoint: String, config: String?, format: String) {
        self.checkpoint = checkpoint; self.config = config; self.format = format
    }

    public var summary: String {
        var s = "\(loaded)/\(total) tensors loaded"
        if !missing.isEmpty { s += ", \(missing.count) missing (kept at their initialisation)" }
        if !unexpected.isEmpty { s += ", \(unexpected.count) unexpected (dropped)" }
        return s + "; \(mapped.count) config keys mapped, \(ignored.count) ignored" + (unknown.isEmpty ? "" : ", \(unknown.count) unknown")
    }

    public func markdown(title: String) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var lines = ["# \(title)", "", "- checkpoint: `\(checkpoint)` (\(format))"]
        if let c = config { lines.append("- config: `\(c)`") }
        lines.append("- tensors: \(summary)")
        if !warnings.isEmpty { lines += ["", "## Warnings", ""] + warnings.map { "- \($0)" } }
        if !missing.isEmpty { lines += ["", "## Missing from the checkpoint (kept at their initialisation)", ""] + missing.map { "- `\($0)`" } }
        if !unexpected.isEmpty { lines += ["", "## In the checkpoint but not in the model (dropped)", ""] + unexpected.map { "- `\($0)`" } }
        if !notes.isEmpty { lines += ["", "## Reading the checkpoint", ""] + notes.map { "- \($0)" } }
        if !mapped.isEmpty {
            lines += ["", "## Config keys mapped", "", "| FastReID key | value | ReidKD |", "|---|---|---|"]
            lines += mapped.map { "| `\($0.key)` | \(cell($0.value)) | \(cell($0.becomes)) |" }
        }
        if !ignored.isEmpty {
            lines += ["", "## Config keys ignored (they do not change the eval-mode model)", "", "| FastReID key | value | why |", "|---|---|---|"]
            lines += ignored.map { "| `\($0.key)` | \(cell($0.value)) | \(cell($0.reason)) |" }
        }
        if !unknown.isEmpty {
            lines += ["", "## Unknown keys (not in FastReID 1.4's defaults; ignored)", ""] + unknown.map { "- `\($0.key)`: \(cell($0.value))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
