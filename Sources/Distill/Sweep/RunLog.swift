// The per-run log file, results/<sweep>/<run>/log.txt: every line the sweep prints about the
// run, time-stamped, appended across resumes (so an interrupted run's history stays readable).
import Foundation

final class RunLog {
    let path: String
    private let handle: FileHandle?
    private let stamp: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return f
    }()

    /// Opens (creating) the log; when the folder cannot be written the run still goes on and
    /// only the terminal gets the lines.
    init(directory: String) {
        path = "\(directory)/log.txt"
        let fm = FileManager.default
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
    }

    var isOpen: Bool { handle != nil }

    func write(_ line: String) {
        guard let h = handle else { return }
        try? h.write(contentsOf: Data("\(stamp.string(from: Date())) \(line)\n".utf8))
    }

    deinit { try? handle?.close() }
}
