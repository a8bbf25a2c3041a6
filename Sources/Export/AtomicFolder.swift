// Writing a folder atomically: everything goes into a hidden temporary folder next to the
// target (same file system, so the final rename is atomic), which replaces the target only
// when complete. On any error the temporary folder is removed and the target is untouched.
import Foundation

struct AtomicFolder {
    let target: String
    let temp: String
    /// What is being written, for messages ("export", "import").
    let what: String

    /// Creates the temporary folder (and the target's parent); fails early and clearly when the
    /// location is not writable, before any expensive work.
    init(target: String, what: String = "export") throws {
        self.what = what
        let fm = FileManager.default
        let url = URL(fileURLWithPath: target).standardizedFileURL
        self.target = url.path
        let parent = url.deletingLastPathComponent().path
        temp = "\(parent)/.\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: self.target, isDirectory: &isDir), !isDir.boolValue {
            throw ExportError("cannot write the \(what) to \(self.target): a file (not a folder) is in the way; choose another --out")
        }
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: temp) { try fm.removeItem(atPath: temp) }
            try fm.createDirectory(atPath: temp, withIntermediateDirectories: false)
            // createDirectory can succeed where files cannot be written (odd mounts): probe once.
            guard fm.createFile(atPath: "\(temp)/.probe", contents: Data()) else { throw CocoaError(.fileWriteNoPermission) }
            try fm.removeItem(atPath: "\(temp)/.probe")
        } catch {
            try? fm.removeItem(atPath: temp)
            throw ExportError("cannot write the \(what) to \(self.target): \(error.localizedDescription) (is \(parent) writable?); choose another --out")
        }
    }

    func path(_ name: String) -> String { "\(temp)/\(name)" }

    func discard() { try? FileManager.default.removeItem(atPath: temp) }

    /// Moves the finished folder into place (an existing target is replaced).
    func commit() throws {
        let fm = FileManager.default
        let old = temp.replacingOccurrences(of: ".tmp-", with: ".old-")
        let hadTarget = fm.fileExists(atPath: target)
        do {
            if hadTarget { try fm.moveItem(atPath: target, toPath: old) }
            try fm.moveItem(atPath: temp, toPath: target)
            if hadTarget { try? fm.removeItem(atPath: old) }
        } catch {
            if hadTarget && !fm.fileExists(atPath: target) { try? fm.moveItem(atPath: old, toPath: target) }
            discard()
            throw ExportError("cannot move the \(what) into \(target): \(error.localizedDescription)")
        }
    }
}
