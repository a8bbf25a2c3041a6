// Writing the report files all-or-nothing: everything is first written into a hidden temporary
// folder next to the target (same file system, so renames are atomic), then moved into place.
// When the target folder does not exist yet, the temporary folder itself is renamed to it; when
// it exists (the default `results/<sweep>/` holds the run folders), each report entry is
// renamed into it, replacing the previous report's. Any failure before that removes the
// temporary folder and leaves the target as it was.
import Foundation
import Support

public enum ReportFormat: String, CaseIterable, Sendable, Codable {
    case md, html, csv, json

    /// `md,html` → [.md, .html]; unknown names throw with the list of valid ones.
    public static func parseList(_ text: String) throws -> [ReportFormat] {
        var out: [ReportFormat] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let f = ReportFormat(rawValue: name == "markdown" ? "md" : name) else { throw ReportError.badFormat(name) }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw ReportError.badFormat(text) }
        return out
    }
}

public enum ReportWriter {
    /// Writes `files` (relative path → bytes) into `dir`; returns the relative paths written.
    public static func write(_ files: [(path: String, bytes: Data)], to dir: String) throws -> [String] {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: dir).standardizedFileURL
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: target.path, isDirectory: &isDir)
        if exists && !isDir.boolValue { throw ReportError.unwritable(dir, "it is a file, not a folder") }
        let parent = exists ? target : target.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".report-tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: true) }
        catch { throw ReportError.unwritable(dir, FileSystem.reason(error, path: staging.path)) }
        var done = false
        defer { if !done { try? fm.removeItem(at: staging) } }
        for f in files {
            let url = staging.appendingPathComponent(f.path)
            do {
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try f.bytes.write(to: url)
            } catch { throw ReportError.unwritable(dir, "writing \(f.path): " + FileSystem.reason(error)) }
        }
        do {
            if !exists {
                try fm.moveItem(at: staging, to: target)
            } else {
                // Top-level entries of the report (report.*, charts/, ranklists/) replace old ones.
                for name in Set(files.map { String($0.path.split(separator: "/")[0]) }).sorted() {
                    let dst = target.appendingPathComponent(name)
                    // The old entry goes into the staging folder (removed below), the new one takes its place.
                    if fm.fileExists(atPath: dst.path) { try fm.moveItem(at: dst, to: staging.appendingPathComponent(".old-" + name)) }
                    try fm.moveItem(at: staging.appendingPathComponent(name), to: dst)
                }
                try? fm.removeItem(at: staging)
            }
            done = true
        } catch { throw ReportError.unwritable(dir, "moving the report into place: " + FileSystem.reason(error)) }
        return files.map(\.path)
    }
}
