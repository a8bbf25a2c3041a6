// What the trainer hands over at every resume point: the one-file checkpoint it just wrote
// (TrainingCheckpoint) and the metric rows logged since the previous one. The rows travel inside
// the checkpoint file too (metadata "metrics"), so a consumer that records them in the same
// transaction as the checkpoint's artifact record (the sweep runner and the store) can never
// lose or double them: a kill after the file's rename but before that transaction is repaired on
// resume, when the trainer hands over the same checkpoint and rows again (`resumed`), and the
// store's (run, key, step) upsert makes the second commit a no-op if the first one happened.
import Foundation
import Store

/// The trainer logs the store's metric samples (`MetricPoint`: key, iteration, epoch, value, unix
/// seconds); a resume point carries those of its epoch in its metadata.
extension MetricPoint {
    /// Tab-separated lines; Double's description round-trips exactly (nan and inf included).
    static func encode(_ rows: [MetricPoint]) -> String {
        rows.map { "\($0.key)\t\($0.step)\t\($0.epoch)\t\($0.value)\t\($0.wallTime)" }.joined(separator: "\n")
    }

    static func decode(_ text: String?, path: String) throws -> [MetricPoint] {
        guard let text, !text.isEmpty else { return [] }
        return try text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 5, let step = Int(f[1]), let epoch = Int(f[2]), let value = Double(f[3]), let wall = Double(f[4]) else {
                throw TrainError("\(path): metadata \"metrics\" has a malformed row '\(line)'; delete the file to restart the run")
            }
            return MetricPoint(key: String(f[0]), step: step, epoch: epoch, value: value, wallTime: wall)
        }
    }
}

/// A resume point made durable on disk, for the consumer to commit.
public struct EpochCheckpoint {
    public var path: String
    public var sha256: String
    public var bytes: Int64
    /// Epochs and iterations completed.
    public var epoch: Int
    public var iteration: Int
    /// Rows logged since the previous resume point (this epoch's losses, lr, timings, evaluation).
    public var metrics: [MetricPoint]
    /// Loaded at the start of a resumed run rather than just written.
    public var resumed: Bool
}

extension Trainer {
    static let metricsMetadataKey = "metrics"
}
