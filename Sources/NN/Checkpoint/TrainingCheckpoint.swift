// A resume point in ONE file: the model's state dict, the optimizer's state, any extra tensor
// groups the trainer owns (e.g. distillation projectors), the progress, and free metadata (the
// config, the metric rows logged since the last resume point …). One atomic write replaces the
// previous resume point as a whole, so weights, optimizer state and progress can never come
// from different epochs — with two files renamed one after the other, a kill between the renames
// left such a torn pair. Tensors are stored under `<group>.<name>` (`model.`, `optimizer.`,
// then the extra groups); `model.safetensors` stays the plain, portable weight file of a run.
import Foundation
import Tensor

public enum TrainingCheckpoint {
    static let format = "reidkd-training-checkpoint"
    static let reservedGroups: Set<String> = ["model", "optimizer"]

    /// Saves everything a resume needs to `path` (atomically) and returns its SHA-256 and size.
    /// `metadata` keys must not collide with the progress keys (`epoch`, `iteration`,
    /// `optimizer.*`, `rng.*`, `extra.*`, `format*`, `tool_version`).
    @discardableResult
    public static func save(model: [(String, Tensor)], optimizer: Optimizer, extra: [(group: String, tensors: [(String, Tensor)])] = [],
                            progress: TrainingProgress, metadata: [String: String] = [:], to path: String) throws -> (sha256: String, bytes: Int64) {
        var meta = TrainingState.metadata(optimizer: optimizer, progress: progress)
        meta[Checkpoint.formatKey] = format
        for (k, v) in metadata {
            guard meta[k] == nil else { throw CheckpointError(path: path, "metadata key \"\(k)\" is reserved for the training progress") }
            meta[k] = v
        }
        var tensors = model.map { ("model.\($0.0)", $0.1) }
        tensors += optimizer.stateDict().map { ("optimizer.\($0.0)", $0.1) }
        for g in extra {
            guard !reservedGroups.contains(g.group), !g.group.contains(".") else {
                throw CheckpointError(path: path, "tensor group \"\(g.group)\" is reserved or contains a dot")
            }
            meta["group.\(g.group)"] = String(g.tensors.count)
            tensors += g.tensors.map { ("\(g.group).\($0.0)", $0.1) }
        }
        return try SafetensorsFile.write(tensors, metadata: meta, to: path)
    }

    /// Loads the resume point at `path` into the live tensors of `model`, the `extra` groups and
    /// `optimizer` (each checked strictly: same names and shapes), and returns the progress and
    /// the file's metadata.
    public static func load(from path: String, model: [(String, Tensor)], optimizer: Optimizer,
                            extra: [(group: String, tensors: [(String, Tensor)])] = []) throws -> (progress: TrainingProgress, metadata: [String: String]) {
        let f = try SafetensorsFile.read(path)
        guard f.metadata[Checkpoint.formatKey] == format else {
            throw CheckpointError(path: path, "not a training checkpoint (format \(f.metadata[Checkpoint.formatKey] ?? "missing"))")
        }
        var groups: [String: [(String, Tensor)]] = [:]
        for (name, t) in f.stateDict {
            guard let dot = name.firstIndex(of: ".") else { throw CheckpointError(path: path, "tensor \"\(name)\" has no group prefix") }
            groups[String(name[..<dot]), default: []].append((String(name[name.index(after: dot)...]), t))
        }
        let expected = Set(extra.map(\.group)).union(reservedGroups)
        if let unknown = groups.keys.sorted().first(where: { !expected.contains($0) }) {
            throw CheckpointError(path: path, "holds tensors of group \"\(unknown)\" that this run does not have (different KD.METHOD?)")
        }
        for g in extra where f.metadata["group.\(g.group)"] == nil {
            throw CheckpointError(path: path, "has no \"\(g.group)\" tensors, which this run needs (different KD.METHOD?)")
        }
        try Checkpoint.copy(groups["model"] ?? [], into: model, path: path)
        for g in extra { try Checkpoint.copy(groups[g.group] ?? [], into: g.tensors, path: path) }
        let progress = try TrainingState.restore(metadata: f.metadata, tensors: groups["optimizer"] ?? [], into: optimizer, path: path)
        return (progress, f.metadata)
    }
}
