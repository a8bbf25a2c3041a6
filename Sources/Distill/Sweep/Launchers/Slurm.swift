// Talking to Slurm's commands: finding them, running them, and reading the state of a sweep's
// jobs for `reidkd sweep status` — live jobs from `squeue`, finished ones from `sacct`, or from
// `scontrol show job` where accounting is off (Slurm keeps a finished job there for MinJobAge,
// 300 s by default).
import Foundation

enum Slurm {
    /// The program `name` on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Result { var status: Int32; var output: String; var errors: String }

    /// Runs `program` with `arguments` and waits for it.
    static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        if let environment { p.environment = environment }
        // Errors go to a file, read once it exits (two pipes would need two readers).
        let errPath = NSTemporaryDirectory() + "reidkd-slurm-\(getpid())-\(UUID().uuidString.prefix(8)).err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe(), err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? err.close()
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: p.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                      errors: errors.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func append(_ line: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(line.utf8))
    }

    /// Job ids submitted for the sweep (`jobs.tsv` of its `slurm` folder).
    static func recordedJobs(sweepDirectory: String) -> [String] {
        guard let text = try? String(contentsOfFile: "\(sweepDirectory)/slurm/jobs.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { $0.split(separator: "\t").first.map(String.init) }
    }

    /// The base job id of `1234`, `1234_5` or `1234_[2-3]`.
    static func base(_ job: String) -> String { String(job.prefix { $0.isNumber }) }

    /// States of the sweep's jobs and array tasks, keyed `1234` / `1234_5` / `1234_[2-3]`; nil
    /// when Slurm never ran the sweep; empty when Slurm's commands cannot be found.
    static func jobStates(sweepDirectory: String, jobs: [String]) -> [String: JobState]? {
        let recorded = recordedJobs(sweepDirectory: sweepDirectory)
        guard !recorded.isEmpty || !jobs.isEmpty else { return nil }
        let ids = Array(Set((recorded + jobs).map(base).filter { !$0.isEmpty })).sorted { Int($0) ?? 0 < Int($1) ?? 0 }
        var out: [String: JobState] = [:]
        // One id per call: squeue and scontrol refuse a list with a job they no longer know.
        if let squeue = which("squeue") {
            for id in ids {
                guard let r = try? run(squeue, ["-h", "-r", "-o", "%i|%T|%M|%r", "-j", id]), r.status == 0 else { continue }
                for line in r.output.split(separator: "\n") {
                    let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                    guard f.count >= 4 else { continue }
                    out[f[0]] = JobState(state: f[1], elapsed: f[2], reason: f[3] == "None" ? "" : f[3])
                }
            }
        }
        let gone = ids.filter { id in !out.keys.contains { base($0) == id } }
        guard !gone.isEmpty else { return out }
        if let sacct = which("sacct"), let r = try? run(sacct, ["-n", "-P", "-X", "-o", "JobID,State,Elapsed,ExitCode", "-j", gone.joined(separator: ",")]),
           r.status == 0 {
            for line in r.output.split(separator: "\n") {
                let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard f.count >= 4 else { continue }
                let state = f[1].split(separator: " ").first.map(String.init) ?? f[1]
                out[f[0]] = JobState(state: state, elapsed: f[2], reason: f[3] == "0:0" ? "" : "exit \(f[3])")
            }
            return out
        }
        // No accounting: what slurmctld still remembers.
        guard let scontrol = which("scontrol") else { return out }
        for id in gone {
            guard let r = try? run(scontrol, ["-o", "show", "job", id]), r.status == 0 else { continue }
            for line in r.output.split(separator: "\n") {
                var f: [String: String] = [:]
                for word in line.split(separator: " ") {
                    guard let eq = word.firstIndex(of: "=") else { continue }
                    f[String(word[..<eq])] = String(word[word.index(after: eq)...])
                }
                guard let state = f["JobState"] else { continue }
                var name = f["JobId"] ?? id
                if let a = f["ArrayJobId"], let t = f["ArrayTaskId"] { name = t.allSatisfy(\.isNumber) ? "\(a)_\(t)" : "\(a)_[\(t)]" }
                let exit = f["ExitCode"].map { $0 == "0:0" ? "" : "exit \($0)" } ?? ""
                out[name] = JobState(state: state, elapsed: f["RunTime"] ?? "", reason: f["Reason"].map { $0 == "None" ? exit : $0 } ?? exit)
            }
        }
        return out
    }

    /// Splits `--slurm-args` like a shell: words, single and double quotes, backslashes.
    static func words(_ text: String) throws -> [String] {
        var out: [String] = [], word = "", inWord = false
        var quote: Character? = nil, escaped = false
        for ch in text {
            if escaped { word.append(ch); escaped = false; inWord = true; continue }
            if ch == "\\" && quote != "'" { escaped = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
                continue
            }
            if ch == "'" || ch == "\"" { quote = ch; inWord = true; continue }
            if ch.isWhitespace {
                if inWord { out.append(word); word = ""; inWord = false }
                continue
            }
            word.append(ch); inWord = true
        }
        guard quote == nil, !escaped else { throw SweepError("--slurm-args: unbalanced quote or trailing backslash in \(text)") }
        if inWord { out.append(word) }
        return out
    }
}
