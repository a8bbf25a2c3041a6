// Helpers for the tests that run real sweeps through the `reidkd` binary built next to the test
// bundle: a tiny four-run sweep (teacher, baseline, two distilled students) in a folder of its
// own, `reidkd` started in its own process group (so a test can SIGKILL the supervisor and every
// worker at once) and a snapshot of what a finished sweep left in the store and on disk.
import XCTest
import Foundation
import Store
import NN
import Support
@testable import Distill

struct SweepHarness {
    let dir: String
    let binary: String
    static let runNames = ["teacher", "student-baseline-s1", "student-METHOD=kl-s1", "student-METHOD=kl+mse-s1"]

    /// The binary next to the tests (`make test` and `swift build --build-tests` build it).
    static func binary() throws -> String {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("reidkd").path
        guard FileManager.default.isExecutableFile(atPath: bin) else {
            throw XCTSkip("reidkd binary not built next to the tests (\(bin)); `make test` builds it")
        }
        return bin
    }

    /// A fresh folder with the sweep file `k.yaml` (3 epochs per run, evaluation at 2 and 3).
    init(_ name: String, epochs: Int = 3) throws {
        binary = try Self.binary()
        dir = NSTemporaryDirectory() + "reidkd-\(name)-\(UUID().uuidString.prefix(8))"
        try TrainerTests.writeBaseConfig(dir, maxEpoch: epochs, evalPeriod: 2)
        try """
        name: k
        teacher: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25}}
        student: {config: base.yaml}
        grid: {KD.METHOD: [kl, kl+mse]}
        seeds: [1]
        baseline: true
        """.write(toFile: "\(dir)/k.yaml", atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    var storePath: String { "\(dir)/results/reidkd.sqlite" }

    /// Starts `reidkd ARGS` in `folder` (default: the sweep's), in a new process group whose id
    /// is the returned pid; output goes to `log` (appended).
    func start(_ args: [String], env extra: [String: String] = [:], log: String, in folder: String? = nil) throws -> pid_t {
        var env = ProcessInfo.processInfo.environment
        env["REIDKD_THREADS"] = nil
        // Called by its bare name through $PATH, as a user would: workers must not be started
        // through argv[0].
        env["PATH"] = (binary as NSString).deletingLastPathComponent + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        for (k, v) in extra { env[k] = v }
        let quoted = (["reidkd"] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let script = "cd '\(folder ?? dir)' && exec \(quoted) >> '\(log)' 2>&1"
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/sh", "-c", script] as [String]).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", nil, &attr, argv, envp)
        guard rc == 0 else { throw SweepError("cannot start reidkd: \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Waits for `pid` (at most `timeout` s; then kills its group) and returns its exit status,
    /// or 128 + signal.
    @discardableResult
    func wait(_ pid: pid_t, timeout: TimeInterval = 300) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline { kill(-pid, SIGKILL); waitpid(pid, &status, 0); return -1 }
            usleep(5000)
        }
        let signal = status & 0x7f
        return signal != 0 ? 128 + signal : (status >> 8) & 0xff
    }

    /// Runs `reidkd ARGS` to its end; (exit status, everything it printed).
    func run(_ args: [String], env: [String: String] = [:], in folder: String? = nil) throws -> (status: Int32, output: String) {
        let log = "\(dir)/run-\(UUID().uuidString.prefix(6)).log"
        let status = wait(try start(args, env: env, log: log, in: folder))
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Opens the sweep's store read-only-ish (no creation); nil until the sweep has made it.
    func store() -> ExperimentStore? {
        FileManager.default.fileExists(atPath: storePath) ? try? ExperimentStore(path: storePath, create: false) : nil
    }

    /// What a finished sweep left, per run name.
    struct RunSnapshot: Equatable {
        var status: RunStatus
        /// (key@step) → value; timings (which differ from run to run) as 0.
        var metrics: [String: Double]
        var metricRows: Int
        var summary: [String: Double]
        var modelSHA: String?
    }

    static let timingKeys: Set<String> = ["epoch_seconds", "images_per_second"]
    static let summaryKeys = ["R1", "R5", "R10", "mAP", "mINP", "params_M", "gflops", "epochs", "iterations"]

    /// What the sweep's store (or `store`) holds, per run name.
    func snapshot(_ other: ExperimentStore? = nil) throws -> [String: RunSnapshot] {
        let store = try other ?? ExperimentStore(path: storePath, create: false)
        var out: [String: RunSnapshot] = [:]
        for run in try store.runs() {
            var metrics: [String: Double] = [:], rows = 0
            for key in try store.metricKeys(run: run.id) {
                for p in try store.metricSeries(run: run.id, key: key) {
                    metrics["\(key)@\(p.step)"] = Self.timingKeys.contains(key) ? 0 : p.value
                    rows += 1
                }
            }
            let summary = try store.summary(run: run.id).filter { Self.summaryKeys.contains($0.key) }
            let model = try store.artifacts(run: run.id).last { $0.kind == "model" }
            out[run.name] = RunSnapshot(status: run.status, metrics: metrics, metricRows: rows, summary: summary,
                                        modelSHA: try model.map { try SHA256.file(at: $0.path).sha256 })
        }
        return out
    }
}
