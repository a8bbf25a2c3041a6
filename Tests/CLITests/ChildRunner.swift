// Running the `reidkd` binary as a child (with a deadline, optionally as user nobody) and
// fingerprinting a folder, for the bad-input battery.
import XCTest
import Foundation
import Support

extension BadInputChildProcessTests {
    static let timeout: TimeInterval = 20

    struct ChildResult { var status: Int32; var reason: Process.TerminationReason; var stderr: String; var timedOut: Bool; var seconds: Double }

    /// How to run the child without root's right to write anywhere: nothing when we are not
    /// root, `setpriv` to user nobody when we are (and nobody can run the binary), else nil.
    static func demotion(_ bin: URL, logs: String) throws -> [String]? {
        if getuid() != 0 { return [] }
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
        let prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        let probe = try runChild(bin, ["--version"], cwd: logs, logs: "\(logs)/probe", prefix: prefix)
        return probe.reason == .exit && probe.status == 0 ? prefix : nil
    }

    /// Runs `reidkd args` in `cwd` (through `prefix`, e.g. setpriv, when given); its output goes
    /// to files under `logs` (outside `cwd`).
    static func runChild(_ bin: URL, _ args: [String], cwd: String, logs: String, prefix: [String] = []) throws -> ChildResult {
        try BadInputs.mkdir(logs)
        _ = FileManager.default.createFile(atPath: "\(logs)/out", contents: nil)
        _ = FileManager.default.createFile(atPath: "\(logs)/err", contents: nil)
        let p = Process()
        p.executableURL = prefix.isEmpty ? bin : URL(fileURLWithPath: prefix[0])
        p.arguments = prefix.isEmpty ? args : Array(prefix.dropFirst()) + [bin.path] + args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        p.standardOutput = FileHandle(forWritingAtPath: "\(logs)/out")
        p.standardError = FileHandle(forWritingAtPath: "\(logs)/err")
        p.standardInput = FileHandle.nullDevice
        let t0 = Date()
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        let timedOut = p.isRunning
        if timedOut { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let err = (try? String(contentsOfFile: "\(logs)/err", encoding: .utf8)) ?? "<stderr not UTF-8>"
        return ChildResult(status: p.terminationStatus, reason: p.terminationReason, stderr: err, timedOut: timedOut,
                           seconds: Date().timeIntervalSince(t0))
    }

    /// Digests by path, valid while the file's (inode, size, ctime) stay the same: any write
    /// changes ctime, and re-hashing every unchanged file after each case would take seconds.
    nonisolated(unsafe) static var digests: [String: (stamp: [Int], digest: String)] = [:]

    static func stamp(_ path: String) -> [Int] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [] }
        return [Int(st.st_ino), Int(st.st_size), Int(st.st_ctim.tv_sec), Int(st.st_ctim.tv_nsec)]
    }

    /// Every folder and file under `dir`: stores by content (SQLite rewrites header bytes when a
    /// connection opens; their -wal/-shm companions are SQLite's), other files by SHA-256.
    static func snapshot(_ dir: String) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir) else { return out }
        while let rel = e.nextObject() as? String {
            let path = "\(dir)/\(rel)"
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: path, isDirectory: &isDir)
            if isDir.boolValue { out[rel] = "folder"; continue }
            if rel.hasSuffix("-wal") || rel.hasSuffix("-shm") { continue }
            let key = stamp(path) + (rel.hasSuffix(".sqlite") ? stamp(path + "-wal") : [])
            if let d = digests[path], d.stamp == key { out[rel] = d.digest; continue }
            let digest = rel.hasSuffix(".sqlite") ? BadInputs.storeDigest(path).map { "store " + $0 } : nil
            out[rel] = digest ?? (try? SHA256.file(at: path).sha256) ?? "unreadable"
            digests[path] = (key, out[rel]!)
        }
        return out
    }

    static func difference(_ a: [String: String], _ b: [String: String]) -> String {
        let keys = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
        return keys.map { k in a[k] == nil ? "+\(k)" : b[k] == nil ? "-\(k)" : "~\(k)" }.joined(separator: ", ")
    }
}
