// Whole-file writes that a kill cannot tear: the bytes go to a hidden temporary next to the
// target (same file system), are flushed to disk (fsync), and the temporary is renamed over the
// target, then the folder is flushed so the rename itself survives a power cut. Readers see the
// old file or the new one, never a mix. A writer killed midway leaves only its temporary,
// `.<name>.tmp-<pid>-<n>`; `removeTemporaries(in:)` deletes those (and Foundation's own
// `.dat.nosync…` temporaries of `Data.write(options: .atomic)`) at the next start.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct AtomicFileError: Error, CustomStringConvertible {
    public let path: String, message: String
    public var description: String { "cannot write \(path): \(message)" }
}

public enum AtomicFile {
    nonisolated(unsafe) private static var counter = 0
    private static let counterLock = NSLock()

    /// Writes `data` to `path` atomically and durably.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let n: Int = counterLock.withLock { counter += 1; return counter }
        let temp = "\(dir)/.\(url.lastPathComponent).tmp-\(getpid())-\(n)"
        func fail(_ what: String) -> AtomicFileError {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            return AtomicFileError(path: path, message: "\(what): \(reason)")
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: path, message: "cannot create \(temp): \(String(cString: strerror(errno)))") }
        var ok = true
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let w = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if w < 0 { if errno == EINTR { continue }; ok = false; return }
                offset += w
            }
        }
        guard ok else { close(fd); throw fail("write failed (disk full?)") }
        guard fsync(fd) == 0 else { close(fd); throw fail("fsync failed") }
        close(fd)
        guard rename(temp, path) == 0 else { throw fail("rename failed") }
        syncDirectory(dir)
    }

    /// Flushes a folder's entries (a rename or a new file in it) to disk; best effort.
    public static func syncDirectory(_ dir: String) {
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Whether `name` (a file name, no folder) is a temporary of an interrupted atomic write.
    public static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".dat.nosync") || (name.hasPrefix(".") && name.contains(".tmp-"))
    }

    /// Deletes the temporaries of interrupted atomic writes in `directory` (not recursive) and
    /// returns their names. Only call it where no other live process is writing.
    @discardableResult
    public static func removeTemporaries(in directory: String) -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where isTemporary(name) {
            if (try? fm.removeItem(atPath: "\(directory)/\(name)")) != nil { removed.append(name) }
        }
        return removed
    }
}
