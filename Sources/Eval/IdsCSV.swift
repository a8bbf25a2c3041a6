// Identity labels for evaluation: one `pid,camid` pair per item, in the same order as the rows of
// the feature matrix. Plain integer arrays so that any dataset loader (or another framework's
// export) can supply them.
import Foundation

public struct ReidIds: Equatable, Sendable {
    public var pids: [Int]
    public var camids: [Int]
    public var count: Int { pids.count }

    public init(pids: [Int], camids: [Int]) {
        precondition(pids.count == camids.count, "ReidIds: \(pids.count) pids but \(camids.count) camids")
        self.pids = pids
        self.camids = camids
    }

    /// Reads a CSV file with `pid,camid` on each line. An optional first header line whose fields
    /// are not integers (e.g. `pid,camid`) is skipped; blank lines and lines starting with `#` are
    /// ignored; extra columns are an error so a misaligned file cannot be read silently.
    public static func readCSV(_ path: String) throws -> ReidIds {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalError("\(path): cannot read file (does it exist and is it readable?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EvalError("\(path): not UTF-8 text; expected CSV lines 'pid,camid'")
        }
        return try parseCSV(text, name: path)
    }

    public static func parseCSV(_ text: String, name: String = "<csv>") throws -> ReidIds {
        var pids: [Int] = [], camids: [Int] = []
        var sawData = false
        for (n, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let ints = fields.map { Int($0) }
            if !sawData, fields.count == 2, ints.allSatisfy({ $0 == nil }) { sawData = true; continue }   // header line
            sawData = true
            guard fields.count == 2, let pid = ints[0], let cam = ints[1] else {
                throw EvalError("\(name):\(n + 1): expected 'pid,camid' (two integers), got '\(line)'")
            }
            pids.append(pid)
            camids.append(cam)
        }
        return ReidIds(pids: pids, camids: camids)
    }

    /// Writes `pid,camid` lines with a header (the export side of `readCSV`).
    public func csvText() -> String {
        "pid,camid\n" + zip(pids, camids).map { "\($0),\($1)\n" }.joined()
    }
}
