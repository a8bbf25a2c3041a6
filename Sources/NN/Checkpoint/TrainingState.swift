// The companion of a model checkpoint: everything besides the weights that an exact resume
// needs — optimizer state tensors (momentum buffers, Adam moments and step counts) as a
// safetensors file, and progress in its metadata: iteration, epoch, the optimizer's step count
// and learning rate, and the state words of every named RandomGenerator (the sampler's, the
// augmentation's …). The LR schedule is a pure function of (iteration, epoch), so it needs no
// state. `model_0010.safetensors` pairs with `model_0010.state.safetensors`.
import Foundation
import Tensor

/// Where a training run stands.
public struct TrainingProgress: Equatable {
    /// Global iterations completed.
    public var iteration: Int
    /// Epochs completed.
    public var epoch: Int
    /// Generators to restore, by name.
    public var generators: [String: RandomGenerator]
    /// Free-form strings the trainer wants back (best metric so far, …).
    public var extra: [String: String]

    public init(iteration: Int, epoch: Int, generators: [String: RandomGenerator] = [:], extra: [String: String] = [:]) {
        self.iteration = iteration
        self.epoch = epoch
        self.generators = generators
        self.extra = extra
    }

    public static func == (a: TrainingProgress, b: TrainingProgress) -> Bool {
        a.iteration == b.iteration && a.epoch == b.epoch && a.extra == b.extra
            && a.generators.mapValues(\.stateWords) == b.generators.mapValues(\.stateWords)
    }
}

public enum TrainingState {
    static let format = "reidkd-training-state"

    /// `x.safetensors` → `x.state.safetensors` (other names get `.state.safetensors` appended).
    public static func companionPath(for modelPath: String) -> String {
        let ext = ".safetensors"
        let stem = modelPath.hasSuffix(ext) ? String(modelPath.dropLast(ext.count)) : modelPath
        return stem + ".state" + ext
    }

    /// Saves the optimizer's state and `progress` to `path`.
    public static func save(optimizer: Optimizer, progress: TrainingProgress, to path: String) throws {
        var meta = metadata(optimizer: optimizer, progress: progress)
        meta[Checkpoint.formatKey] = format
        try SafetensorsFile.write(optimizer.stateDict(), metadata: meta, to: path)
    }

    /// The progress and optimizer scalars as metadata entries (also used by `TrainingCheckpoint`).
    static func metadata(optimizer: Optimizer, progress: TrainingProgress) -> [String: String] {
        var meta: [String: String] = [
            Checkpoint.formatVersionKey: Checkpoint.formatVersion,
            Checkpoint.toolVersionKey: ReidKDInfo.version,
            "optimizer": optimizer.kind,
            "optimizer.step_count": String(optimizer.stepCount),
            "optimizer.learning_rate": "\(optimizer.learningRate)",
            "iteration": String(progress.iteration),
            "epoch": String(progress.epoch),
        ]
        for (k, v) in optimizer.hyperParameters { meta["optimizer.\(k)"] = v }
        for (name, g) in progress.generators { meta["rng.\(name)"] = g.stateHex }
        for (k, v) in progress.extra { meta["extra.\(k)"] = v }
        return meta
    }

    /// Restores the optimizer saved at `path` into `optimizer` (same kind, same hyper-parameters,
    /// same parameter names and shapes) and returns the progress.
    public static func load(from path: String, into optimizer: Optimizer) throws -> TrainingProgress {
        let f = try SafetensorsFile.read(path)
        guard f.metadata[Checkpoint.formatKey] == format else {
            throw CheckpointError(path: path, "not a training-state file (format \(f.metadata[Checkpoint.formatKey] ?? "missing")); pass the .state.safetensors companion of a checkpoint")
        }
        return try restore(metadata: f.metadata, tensors: f.stateDict, into: optimizer, path: path)
    }

    /// Checks the optimizer described by `m` against `optimizer`, loads `tensors` (its state dict)
    /// into it and returns the progress. Nothing is changed if a check fails.
    static func restore(metadata m: [String: String], tensors: [(String, Tensor)], into optimizer: Optimizer, path: String) throws -> TrainingProgress {
        func fail(_ msg: String) -> CheckpointError { CheckpointError(path: path, msg) }
        guard m["optimizer"] == optimizer.kind else {
            throw fail("saved with optimizer \(m["optimizer"] ?? "?"), resuming with \(optimizer.kind); keep SOLVER.OPT unchanged to resume")
        }
        for (k, v) in optimizer.hyperParameters where m["optimizer.\(k)"] != v {
            throw fail("optimizer \(k) was \(m["optimizer.\(k)"] ?? "missing") when saved, now \(v); keep it unchanged to resume exactly")
        }
        func int(_ key: String) throws -> Int {
            guard let s = m[key], let i = Int(s), i >= 0 else { throw fail("metadata \"\(key)\" is missing or not a count") }
            return i
        }
        let stepCount = try int("optimizer.step_count")
        guard let lrText = m["optimizer.learning_rate"], let lr = Float(lrText) else {
            throw fail("metadata \"optimizer.learning_rate\" is missing or not a number")
        }
        var progress = TrainingProgress(iteration: try int("iteration"), epoch: try int("epoch"))
        for (k, v) in m {
            if k.hasPrefix("rng.") {
                guard let g = RandomGenerator(stateHex: v) else { throw fail("metadata \"\(k)\" is not a generator state (64 hex digits)") }
                progress.generators[String(k.dropFirst(4))] = g
            } else if k.hasPrefix("extra.") {
                progress.extra[String(k.dropFirst(6))] = v
            }
        }
        try optimizer.loadStateDict(tensors, path: path)
        optimizer.stepCount = stepCount
        optimizer.learningRate = lr
        return progress
    }
}
