// Creating folders and writing files with errors a person can act on: "cannot create folder X:
// Y is a file, not a folder" instead of Foundation's "The operation could not be completed.
// (NSCocoaErrorDomain error 512.)". Foundation wraps the system's errno in the error's
// NSUnderlyingErrorKey; we name that, and where the cause is a path component we name it too.
import Foundation

public struct FileSystemError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension FileSystemError: LocalizedError {
    public var errorDescription: String? { description }
}

public enum FileSystem {
    /// Creates `path` and its missing parents (nothing happens when it is already a folder).
    public static func createFolder(_ path: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { return }
            throw FileSystemError("cannot create folder \(path): a file of that name is in the way; move it or choose another path")
        }
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw FileSystemError("cannot create folder \(path): \(reason(error, path: path))")
        }
    }

    /// Writes `data` to `path` (atomically: through a temporary file and a rename).
    public static func write(_ data: Data, to path: String, atomically: Bool = true) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: atomically ? .atomic : []) } catch {
            throw FileSystemError("cannot write file \(path): \(reason(error, path: path))")
        }
    }

    /// Why a file-system call on `path` failed, in words: the nearest existing ancestor is a file
    /// or not writable, or else the system's own message (errno), or Foundation's as a last resort.
    public static func reason(_ error: Error, path: String? = nil) -> String {
        if let e = error as? FileSystemError { return e.description }
        if let path, let d = diagnose(path) { return d }
        let ns = error as NSError
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return posixText(Int32(u.code))
        }
        if ns.domain == NSPOSIXErrorDomain { return posixText(Int32(ns.code)) }
        guard ns.domain == NSCocoaErrorDomain else { return ns.localizedDescription }
        switch ns.code {
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: return "no such file or folder"
        case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue: return "permission denied"
        case CocoaError.fileWriteOutOfSpace.rawValue: return "no space left on the device"
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return "read-only file system"
        case CocoaError.fileWriteFileExists.rawValue: return "a file of that name is in the way"
        default: return ns.localizedDescription
        }
    }

    /// A cause visible from the path alone: an ancestor that is a file, or one we may not write.
    public static func diagnose(_ path: String) -> String? {
        let fm = FileManager.default
        var p = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        while p.path != "/" && !fm.fileExists(atPath: p.path) { p = p.deletingLastPathComponent() }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: p.path, isDirectory: &isDir) else { return nil }
        if !isDir.boolValue { return "\(p.path) is a file, not a folder" }
        if access(p.path, W_OK) != 0 { return "permission denied on \(p.path)" }
        return nil
    }

    /// True when `path` (symbolic links followed) is a device, pipe or socket — something that
    /// reading "the whole file" may never finish (/dev/zero) or may block on (a FIFO).
    public static func isSpecialFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let format = st.st_mode & S_IFMT
        return format != S_IFREG && format != S_IFDIR
    }

    /// strerror's text, lower-cased at the start to read inside a sentence.
    static func posixText(_ code: Int32) -> String {
        let s = String(cString: strerror(code))
        return s.prefix(1).lowercased() + s.dropFirst()
    }
}
