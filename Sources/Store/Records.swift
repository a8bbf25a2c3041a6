// The rows of the experiment store, as Swift values. The store knows rows, not models: a config
// arrives as a JSON string plus its flattened `key → value` map, a metric as (key, step, epoch,
// value). Timestamps are read back as `Date` from the ISO-8601 UTC text the database holds.
import Foundation

/// Lifecycle of a run. `queued → running → finished | failed | diverged | interrupted`; resume
/// moves interrupted (and optionally failed/diverged or stale running) runs back to `queued`.
public enum RunStatus: String, CaseIterable, Sendable, Codable {
    /// `pruned`: stopped early by the sweep's `prune:` rule (its record and checkpoint kept).
    case queued, running, finished, failed, diverged, interrupted, pruned

    /// Terminal states stamp `finished_at`.
    public var isTerminal: Bool { self != .queued && self != .running }
}

/// What a run is within a sweep: the frozen teacher, a student trained without distillation, or
/// a distilled student.
public enum RunRole: String, CaseIterable, Sendable, Codable {
    case teacher, baseline, student
}

/// A sweep: the parent record of the runs it planned, with the YAML it was expanded from.
public struct Sweep: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let spec: String
    public let createdAt: Date?
}

/// What the sweep runner knows about a run before it starts: its identity and resolved config.
public struct RunSpec: Sendable {
    public var name: String
    public var role: RunRole
    /// The resolved config as JSON text (stored verbatim in `runs.config`).
    public var config: String
    /// Hash of the resolved config; a teacher is reused across sweeps by (hash, dataset fingerprint).
    public var configHash: String
    public var seed: Int
    /// The flattened config (`student.backbone.depth → "18"`), stored in `params` for queries.
    public var params: [String: String]
    public var codeVersion: String?
    public var datasetFingerprint: String?
    /// Runs of the same sweep (by name) that must finish with a model before this one starts.
    public var dependsOn: [String]

    public init(name: String, role: RunRole, config: String, configHash: String, seed: Int,
                params: [String: String] = [:], codeVersion: String? = nil, datasetFingerprint: String? = nil,
                dependsOn: [String] = []) {
        self.name = name; self.role = role; self.config = config; self.configHash = configHash
        self.seed = seed; self.params = params; self.codeVersion = codeVersion
        self.datasetFingerprint = datasetFingerprint; self.dependsOn = dependsOn
    }
}

/// One row of `runs`.
public struct Run: Sendable, Equatable {
    public let id: Int64
    public let sweepID: Int64?
    public let name: String
    public let role: RunRole
    public let status: RunStatus
    public let config: String
    public let configHash: String
    public let seed: Int
    public let codeVersion: String?
    public let datasetFingerprint: String?
    /// Host, process id and worker threads of the process that last claimed the run.
    public let host: String?
    public let pid: Int?
    public let threads: Int?
    /// BLAS library and kernel family, and the CPU, of the process that last claimed the run.
    public let blas: String?
    public let cpu: String?
    public let createdAt: Date?
    public let startedAt: Date?
    public let finishedAt: Date?
    /// Last sign of life from the worker (claim, metrics batch or explicit heartbeat).
    public let heartbeatAt: Date?
    /// How many times the run was claimed (> 1 after a resume).
    public let attempts: Int
    public let error: String?
    /// Lease token of the worker that holds (or last held) the run.
    public let lease: String?
    /// The batch job of that worker (Slurm: `1234` or array task `1234_5`); nil outside one.
    public let job: String?
    /// Runs of the same sweep (by name) that must finish with a model before this one starts.
    public var dependsOn: [String] = []
}

/// The worker process claiming a run; recorded in `runs.host/pid/threads/blas/cpu/lease`.
public struct WorkerInfo: Sendable {
    public var host: String
    public var pid: Int
    public var threads: Int?
    public var blas: String?
    public var cpu: String?
    /// The token of the `RunLease` the worker holds (nil: liveness falls back to pid and heartbeat).
    public var lease: String?
    /// The batch job the worker runs in (a launcher's name for it, e.g. Slurm's `1234_5`).
    public var job: String?
    public init(host: String, pid: Int, threads: Int?, blas: String? = nil, cpu: String? = nil, lease: String? = nil, job: String? = nil) {
        self.host = host; self.pid = pid; self.threads = threads; self.blas = blas; self.cpu = cpu; self.lease = lease; self.job = job
    }

    /// This process. `threads`, `blas`, `cpu` and `job` come from the caller (the store does not know them).
    public static func current(threads: Int? = nil, blas: String? = nil, cpu: String? = nil, lease: RunLease? = nil, job: String? = nil) -> WorkerInfo {
        WorkerInfo(host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
                   threads: threads, blas: blas, cpu: cpu, lease: lease?.token, job: job)
    }
}

/// One metric sample: every loss term, lr, images/s and each evaluation is one of these.
/// `wallTime` is unix seconds. NaN values are stored as NULL (SQLite has no NaN) and read back as NaN.
public struct MetricPoint: Sendable, Equatable {
    public var key: String
    public var step: Int
    public var epoch: Int
    public var value: Double
    public var wallTime: Double

    public init(key: String, step: Int, epoch: Int, value: Double, wallTime: Double = Date().timeIntervalSince1970) {
        self.key = key; self.step = step; self.epoch = epoch; self.value = value; self.wallTime = wallTime
    }

    public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
        a.key == b.key && a.step == b.step && a.epoch == b.epoch && a.wallTime == b.wallTime
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

/// Where a sweep's files are, recorded by `reidkd sweep` so a worker can rebuild any of its runs
/// from the store: the working directory (configs hold paths relative to it), the sweep file
/// (relative to that directory, or absolute) and the results root.
public struct SweepLaunch: Sendable, Equatable {
    public var workdir: String
    public var specPath: String
    public var resultsRoot: String
    public init(workdir: String, specPath: String, resultsRoot: String) {
        self.workdir = workdir; self.specPath = specPath; self.resultsRoot = resultsRoot
    }
}

/// A file about to be recorded as an artifact, with the digest the caller computed.
public struct ArtifactFile: Sendable, Equatable {
    public var kind: String
    /// Stored as given; `hashing(kind:file:)` makes it absolute (readers run from other folders).
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public init(kind: String, path: String, sha256: String, bytes: Int64) {
        self.kind = kind; self.path = path; self.sha256 = sha256; self.bytes = bytes
    }
}

/// A file a run produced (checkpoint, log, ONNX export …).
public struct Artifact: Sendable, Equatable {
    public let runID: Int64
    public let kind: String
    public let path: String
    public let sha256: String
    public let bytes: Int64
    public let createdAt: Date?
}

/// Selects runs; nil fields do not filter. Conditions are ANDed.
public struct RunFilter: Sendable {
    public var sweep: Int64?
    public var statuses: Set<RunStatus>?
    public var roles: Set<RunRole>?
    public var configHash: String?
    public var datasetFingerprint: String?
    public var name: String?

    public init(sweep: Int64? = nil, statuses: Set<RunStatus>? = nil, roles: Set<RunRole>? = nil,
                configHash: String? = nil, datasetFingerprint: String? = nil, name: String? = nil) {
        self.sweep = sweep; self.statuses = statuses; self.roles = roles; self.configHash = configHash
        self.datasetFingerprint = datasetFingerprint; self.name = name
    }
}

/// Direction of "best" for a summary metric.
public enum Goal: String, Sendable { case maximize, minimize }
