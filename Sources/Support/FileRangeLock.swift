// An exclusive lock on a byte range of an open file: a Linux open-file-description lock
// (F_OFD_SETLKW). Unlike a classic POSIX record lock it belongs to the descriptor, not the
// process — two descriptors of one process exclude each other (so threads can use it, and the
// tests can see it), and closing some other descriptor of the same file does not drop it — and
// unlike flock it covers a range, so processes can hold different parts of one file at once.
// The kernel drops it when the descriptor closes, however its process ends.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class FileRangeLock {
    // <fcntl.h> defines these under _GNU_SOURCE, which Swift's Glibc module does not import.
    static let setLockWait: Int32 = 38   // F_OFD_SETLKW
    static let setLock: Int32 = 37       // F_OFD_SETLK

    private let fd: Int32
    private let offset: Int, length: Int
    private var held = true

    private init(fd: Int32, offset: Int, length: Int) { self.fd = fd; self.offset = offset; self.length = length }

    /// Waits for, then takes, the lock on bytes offset ..< offset + length of `fd` (`path` names
    /// the file in errors).
    public static func lock(_ fd: Int32, offset: Int, length: Int, path: String) throws -> FileRangeLock {
        var fl = request(F_WRLCK, offset: offset, length: length)
        while fcntl(fd, setLockWait, &fl) != 0 {
            let e = errno
            if e == EINTR { continue }
            throw FileLockError(path: path, message: String(cString: strerror(e)))
        }
        return FileRangeLock(fd: fd, offset: offset, length: length)
    }

    /// Takes the lock if nobody holds any of the range; nil otherwise.
    public static func tryLock(_ fd: Int32, offset: Int, length: Int, path: String) throws -> FileRangeLock? {
        var fl = request(F_WRLCK, offset: offset, length: length)
        guard fcntl(fd, setLock, &fl) == 0 else {
            let e = errno
            if e == EAGAIN || e == EACCES { return nil }
            throw FileLockError(path: path, message: String(cString: strerror(e)))
        }
        return FileRangeLock(fd: fd, offset: offset, length: length)
    }

    /// Drops the lock (the descriptor stays open).
    public func unlock() {
        guard held else { return }
        held = false
        var fl = FileRangeLock.request(F_UNLCK, offset: offset, length: length)
        _ = fcntl(fd, FileRangeLock.setLock, &fl)
    }

    deinit { unlock() }

    private static func request(_ type: Int32, offset: Int, length: Int) -> flock {
        var fl = flock()
        fl.l_type = Int16(type)
        fl.l_whence = Int16(SEEK_SET)
        fl.l_start = off_t(offset)
        fl.l_len = off_t(Swift.max(1, length))
        fl.l_pid = 0   // must be 0 for OFD locks
        return fl
    }
}
