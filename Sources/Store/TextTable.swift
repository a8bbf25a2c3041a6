// Aligned plain-text tables for the terminal: numbers right-aligned, text left-aligned, a rule
// under the header. Width is counted in characters (Swift grapheme clusters).
public struct TextTable {
    public let headers: [String]
    public private(set) var rows: [[String]] = []
    /// Columns to right-align (numbers); by default those whose cells all parse as numbers.
    public var rightAligned: Set<Int>?

    public init(_ headers: [String]) { self.headers = headers }

    public mutating func add(_ row: [String]) {
        precondition(row.count == headers.count, "TextTable row has \(row.count) cells for \(headers.count) headers")
        rows.append(row)
    }

    public func render(indent: String = "") -> String {
        let widths = headers.indices.map { i in ([headers[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        let right = rightAligned ?? Set(headers.indices.filter { i in
            !rows.isEmpty && rows.allSatisfy { r in r[i].isEmpty || r[i] == "—" || Double(r[i].replacingOccurrences(of: "%", with: "")) != nil }
        })
        func pad(_ s: String, _ w: Int, _ r: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return r ? fill + s : s + fill
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for i in cells.indices { parts.append(pad(cells[i], widths[i], right.contains(i))) }
            var s = indent + parts.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = [line(headers), indent + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}
