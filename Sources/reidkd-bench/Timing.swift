import Dispatch
import Foundation

enum Timing {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Median wall time of `reps` runs after `warmup` runs.
    static func median(reps: Int = 5, warmup: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var t: [Double] = []
        for _ in 0..<reps { let t0 = now(); body(); t.append(now() - t0) }
        t.sort()
        return t[t.count / 2]
    }
}

struct Table {
    let headers: [String]
    var rows: [[String]] = []
    init(_ headers: [String]) { self.headers = headers }
    mutating func add(_ row: [String]) { rows.append(row) }
    func render(markdown: Bool) -> String {
        if markdown {
            var s = "| " + headers.joined(separator: " | ") + " |\n|" + headers.map { _ in "---" }.joined(separator: "|") + "|\n"
            for r in rows { s += "| " + r.joined(separator: " | ") + " |\n" }
            return s
        }
        let widths = headers.indices.map { i in ([headers[i]] + rows.map { $0[i] }).map(\.count).max()! }
        func line(_ r: [String]) -> String { zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
