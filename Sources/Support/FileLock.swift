// An exclusive advisory lock on a file (flock). The kernel drops it when the holder's last
// descriptor closes — when the process exits, however it exits, before it is even reaped — so
// "can I take the lock?" answers "is the holder alive?" without pids (a pid check reads a
// zombie or a recycled pid as alive). The descriptor is close-on-exec: a child process started
// while the lock is held must not keep it alive after its parent dies.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct FileLockError: Error, CustomStringConvertible {
    public let path: String, message: String
    public var description: String { "cannot lock \(path): \(message)" }
}

public final class FileLock {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) { self.path = path; self.fd = fd }

    /// Opens (creating) `path` and takes the lock; nil when another open file holds it (this
    /// process included). Throws when the file cannot be opened.
    public static func tryLock(_ path: String) throws -> FileLock? {
        try acquire(path, blocking: false)
    }

    /// Opens (creating) `path` and waits for the lock.
    public static func lock(_ path: String) throws -> FileLock {
        try acquire(path, blocking: true)!
    }

    /// Creates the file `path` already locked: it is made under a hidden temporary name in the
    /// same folder, locked, then renamed into place, so `path` never exists unlocked while its
    /// creator lives — an unlocked `path` always means a dead holder, whatever its age.
    public static func createLocked(_ path: String) throws -> FileLock {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        let fd = open(temp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLockError(path: path, message: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(temp, path) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd); unlink(temp)
            throw FileLockError(path: path, message: message)
        }
        return FileLock(path: path, fd: fd)
    }

    static func acquire(_ path: String, blocking: Bool) throws -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLockError(path: path, message: String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX | (blocking ? 0 : LOCK_NB)) != 0 {
            let e = errno
            if e == EINTR { continue }
            close(fd)
            if e == EWOULDBLOCK { return nil }
            throw FileLockError(path: path, message: String(cString: strerror(e)))
        }
        return FileLock(path: path, fd: fd)
    }

    /// Whether some process holds the lock on `path` now (false when the file does not exist).
    /// Takes and drops the lock when it is free, so the answer is exact at the time of the call.
    public static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return errno == EWOULDBLOCK
    }

    public var isLocked: Bool { fd >= 0 }

    /// Drops the lock; with `removing`, deletes the file first (while still holding the lock, so
    /// nobody can take a lock on a file that is about to vanish and think it is theirs).
    public func unlock(removing: Bool = false) {
        guard fd >= 0 else { return }
        if removing { unlink(path) }
        close(fd)
        fd = -1
    }

    deinit { unlock() }
}
