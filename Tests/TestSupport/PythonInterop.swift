// Runs Scripts/safetensors_check.py for the interop tests; skips (with the reason printed)
// when python3, numpy or safetensors is missing.
import XCTest
import Foundation

public enum PythonInterop {
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/safetensors_check.py").path

    /// Runs python3 with `args`, feeding `stdin`; returns (exit status, stdout, stderr).
    public static func run(_ args: [String], stdin: String? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let s = stdin { inp.fileHandleForWriting.write(Data(s.utf8)) }
        inp.fileHandleForWriting.closeFile()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Throws XCTSkip (and prints why) unless `modules` import in python3.
    public static func require(_ modules: [String]) throws {
        let status: Int32, err: String
        do {
            (status, _, err) = try run(["-c", "import " + modules.joined(separator: ", ")])
        } catch {
            print("SKIP python interop: cannot run python3 (\(error))")
            throw XCTSkip("python3 not runnable")
        }
        if status != 0 {
            let reason = err.split(separator: "\n").last.map(String.init) ?? "import failed"
            print("SKIP python interop: \(reason) (pip install \(modules.joined(separator: " ")))")
            throw XCTSkip(reason)
        }
    }

    /// Runs the check script and returns stdout, failing the test on a non-zero exit.
    public static func check(_ args: [String], stdin: String? = nil) throws -> String {
        let (status, out, err) = try run([script] + args, stdin: stdin)
        guard status == 0 else { throw NSError(domain: "python", code: Int(status), userInfo: [NSLocalizedDescriptionKey: err]) }
        return out
    }
}
