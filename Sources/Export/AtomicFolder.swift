// Writing a folder atomically: everything goes into a hidden temporary folder next to the
// target (same file system, so the final rename is atomic), which replaces the target only
// when complete. On any error the temporary folder is removed and the target is untouched.
// An export holds a lock on `.<name>.lock` next to the target while it writes, so the hidden
// folders a killed export left (`.<name>.tmp-<pid>`, `.<name>.old-<pid>`) are recognised and
// removed by the next one — after putting a previous export back if the kill came between
// the two renames of `commit`.
import Foundation
import Support

struct AtomicFolder {
    let target: String
    let temp: String
    let lock: FileLock
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
        } catch {
            throw ExportError("cannot write the \(what) to \(self.target): cannot create folder \(parent): \(FileSystem.reason(error, path: parent)); choose another --out")
        }
        let name = url.lastPathComponent
        do {
            guard let l = try FileLock.tryLock("\(parent)/.\(name).lock") else {
                throw ExportError("another \(what) to \(self.target) is running; wait for it to finish or choose another --out")
            }
            lock = l
        } catch let e as FileLockError {
            throw ExportError("cannot write the \(what) to \(self.target): \(e.message) on \(e.path); choose another --out")
        }
        AtomicFolder.recover(parent: parent, name: name)
        do {
            if fm.fileExists(atPath: temp) { try fm.removeItem(atPath: temp) }
            try fm.createDirectory(atPath: temp, withIntermediateDirectories: false)
            // createDirectory can succeed where files cannot be written (odd mounts): probe once.
            guard fm.createFile(atPath: "\(temp)/.probe", contents: Data()) else { throw CocoaError(.fileWriteNoPermission) }
            try fm.removeItem(atPath: "\(temp)/.probe")
        } catch {
            try? fm.removeItem(atPath: temp)
            lock.unlock(removing: true)
            throw ExportError("cannot write the \(what) to \(self.target): \(FileSystem.reason(error, path: temp)); choose another --out")
        }
    }

    /// Cleans up after a killed export (the caller holds the lock, so no live export owns these
    /// folders): a previous export moved aside but not replaced goes back in place; every other
    /// hidden temporary of this target is removed.
    static func recover(parent: String, name: String) {
        let fm = FileManager.default
        let leftovers = ((try? fm.contentsOfDirectory(atPath: parent)) ?? []).filter {
            $0.hasPrefix(".\(name).tmp-") || $0.hasPrefix(".\(name).old-")
        }.sorted()
        if !fm.fileExists(atPath: "\(parent)/\(name)"), let old = leftovers.first(where: { $0.hasPrefix(".\(name).old-") }) {
            try? fm.moveItem(atPath: "\(parent)/\(old)", toPath: "\(parent)/\(name)")
        }
        for n in leftovers where fm.fileExists(atPath: "\(parent)/\(n)") { try? fm.removeItem(atPath: "\(parent)/\(n)") }
    }

    func path(_ name: String) -> String { "\(temp)/\(name)" }

    func discard() {
        try? FileManager.default.removeItem(atPath: temp)
        lock.unlock(removing: true)
    }

    /// Moves the finished folder into place (an existing target is replaced).
    func commit() throws {
        let fm = FileManager.default
        let old = temp.replacingOccurrences(of: ".tmp-", with: ".old-")
        let hadTarget = fm.fileExists(atPath: target)
        do {
            if hadTarget { try fm.moveItem(atPath: target, toPath: old) }
            try fm.moveItem(atPath: temp, toPath: target)
            if hadTarget { try? fm.removeItem(atPath: old) }
            lock.unlock(removing: true)
        } catch {
            if hadTarget && !fm.fileExists(atPath: target) { try? fm.moveItem(atPath: old, toPath: target) }
            discard()
            throw ExportError("cannot move the \(what) into \(target): \(FileSystem.reason(error, path: target))")
        }
    }
}
