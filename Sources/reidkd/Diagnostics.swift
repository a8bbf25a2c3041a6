// One error style for every command: `reidkd: error: <what, naming the file or key, and the
// fix>` on one line of stderr and a non-zero exit; warnings `reidkd: warning: …`. Commands just
// throw; `ReidKD.main` catches what `run()` throws and prints it here. Usage errors (unknown
// options, `validate()`) stay ArgumentParser's, which prints them with the usage text.
import ArgumentParser
import Foundation
import Support

/// An error the CLI reports as is, with its own exit status (e.g. the count of failed runs).
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    var exitCode: Int32 = 1
}

enum Diagnostics {
    /// Longest message printed; a longer one (a dumped header, say) is cut with "…".
    static let maxMessageLength = 2000

    /// Prints `reidkd: error: …` for `error` and returns the exit status to use.
    static func report(_ error: Error) -> Int32 {
        write("error", message(for: error))
        return (error as? CLIFailure)?.exitCode ?? 1
    }

    static func warn(_ text: String) { write("warning", text) }

    static func write(_ level: String, _ text: String) {
        FileHandle.standardError.write(Data("reidkd: \(level): \(oneLine(text))\n".utf8))
    }

    /// The text of an error: our error types describe themselves; Foundation's file errors get
    /// the system's reason instead of "NSCocoaErrorDomain error 512"; JSON decoding errors name
    /// the field.
    static func message(for error: Error) -> String {
        if let e = error as? DecodingError { return JSONProblem.describe(e) }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
            let path = ns.userInfo[NSFilePathErrorKey] as? String
            return (path.map { "\($0): " } ?? "") + FileSystem.reason(error)
        }
        return String(describing: error)
    }

    /// One line: line breaks become " | " (caret lines of parser dumps are dropped), control
    /// characters are escaped (a file name cannot move the cursor or start a new line), and the
    /// text is cut at `maxMessageLength`.
    static func oneLine(_ text: String) -> String {
        let lines = text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.allSatisfy { $0 == "^" || $0 == "~" } }
        return OneLine.escape(lines.joined(separator: " | "), limit: maxMessageLength)
    }
}
