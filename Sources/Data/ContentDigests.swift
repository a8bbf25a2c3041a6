// SHA-256 of image files for the dataset's content fingerprint, remembered by (path, size,
// modification time) so a dataset is read in full once per change, not once per run. The memory
// lives in a tab-separated file per dataset root under the user's cache folder
// ($REIDKD_CACHE_DIR, else $XDG_CACHE_HOME/reidkd, else ~/.cache/reidkd), appended to with whole
// lines (O_APPEND), so concurrent workers can share it; later lines win. A missing or unwritable
// cache only costs speed.
import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

public final class ContentDigests: @unchecked Sendable {
    struct Stamp: Hashable { let size: Int64, mtimeNanos: Int64 }

    private var known: [String: (Stamp, String)] = [:]
    private let file: String?
    private let lock = NSLock()

    /// The digests of files under `root`; `cacheFolder` nil = no on-disk memory.
    public init(root: String, cacheFolder: String? = ContentDigests.defaultFolder) {
        let abs = URL(fileURLWithPath: root).standardizedFileURL.path
        file = cacheFolder.map { "\($0)/digests-\(SHA256.hex(abs).prefix(16)).tsv" }
        if let f = file, let text = try? String(contentsOfFile: f, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let p = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard p.count == 4, let size = Int64(p[1]), let mt = Int64(p[2]), p[3].count == 64 else { continue }
                known[String(p[0])] = (Stamp(size: size, mtimeNanos: mt), String(p[3]))
            }
        }
    }

    /// $REIDKD_CACHE_DIR, $XDG_CACHE_HOME/reidkd or ~/.cache/reidkd.
    public static var defaultFolder: String? {
        let env = ProcessInfo.processInfo.environment
        if let d = env["REIDKD_CACHE_DIR"], !d.isEmpty { return d }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return "\(x)/reidkd" }
        if let h = env["HOME"], !h.isEmpty { return "\(h)/.cache/reidkd" }
        return nil
    }

    /// The file's SHA-256, from memory when its size and modification time are unchanged.
    public func sha256(_ path: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw DataError(.unreadable, path: path, "cannot read for the dataset fingerprint (\(String(cString: strerror(errno))))")
        }
        let stamp = Stamp(size: Int64(st.st_size), mtimeNanos: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
        lock.lock()
        if let (s, d) = known[path], s == stamp { lock.unlock(); return d }
        lock.unlock()
        let digest: String
        do { digest = try SHA256.file(at: path).sha256 } catch {
            throw DataError(.unreadable, path: path, "cannot read for the dataset fingerprint (\(error))")
        }
        lock.lock()
        known[path] = (stamp, digest)
        lock.unlock()
        remember("\(path)\t\(stamp.size)\t\(stamp.mtimeNanos)\t\(digest)\n")
        return digest
    }

    private func remember(_ line: String) {
        guard let f = file, !line.dropLast().contains("\n") else { return }
        let dir = (f as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fd = open(f, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
    }
}
