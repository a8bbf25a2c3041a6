// Where the report's numbers came from: the code version, dataset, BLAS kernel, CPU and thread
// count of every reported run, and a warning when they are not all the same — a different
// kernel or dataset can move a metric by itself, so a comparison across them is flagged.
import Foundation
import Store

public struct ProvenanceLine: Sendable, Encodable, Equatable {
    public let field: String
    /// Each distinct value with the ids of the runs that have it (most common first).
    public let values: [Value]
    public struct Value: Sendable, Encodable, Equatable { public let value: String, runs: [Int64] }
    public var mixed: Bool { values.count > 1 }
}

public enum Provenance {
    static let fields: [(String, (Run) -> String?)] = [
        ("code version", \.codeVersion), ("dataset", { $0.datasetFingerprint.map { String($0.prefix(16)) } }),
        ("BLAS", \.blas), ("CPU", \.cpu), ("threads", { $0.threads.map(String.init) }),
    ]

    public static func lines(_ records: [RunRecord]) -> [ProvenanceLine] {
        fields.map { name, get in
            var byValue: [String: [Int64]] = [:]
            for r in records { byValue[get(r.run) ?? "not recorded", default: []].append(r.run.id) }
            let values = byValue.map { ProvenanceLine.Value(value: $0.key, runs: $0.value.sorted()) }
                .sorted { ($0.runs.count, $1.value) > ($1.runs.count, $0.value) }
            return ProvenanceLine(field: name, values: values)
        }
    }

    /// One note per field whose value differs across the reported runs.
    public static func warnings(_ lines: [ProvenanceLine]) -> [String] {
        lines.filter(\.mixed).map { l in
            "the runs differ in \(l.field) (" + l.values.map { "\($0.value): runs \(runList($0.runs))" }.joined(separator: "; ")
                + "); a difference between them may come from that alone"
        }
    }

    static func runList(_ ids: [Int64]) -> String {
        ids.count <= 6 ? ids.map(String.init).joined(separator: ", ") : ids.prefix(5).map(String.init).joined(separator: ", ") + ", … (\(ids.count))"
    }

    /// Markdown section.
    public static func markdown(_ lines: [ProvenanceLine]) -> String {
        var s = "| | value | runs |\n|:--|:--|:--|\n"
        for l in lines {
            for (i, v) in l.values.enumerated() {
                s += "| \(i == 0 ? l.field : "") | \(v.value.replacingOccurrences(of: "|", with: "\\|")) | \(l.mixed ? runList(v.runs) : "all") |\n"
            }
        }
        return s
    }
}
