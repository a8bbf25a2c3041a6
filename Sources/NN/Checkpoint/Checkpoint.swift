// Model checkpoints: a model's state dict (parameters and buffers under stable dotted names, e.g.
// `backbone.layer1.0.bn1.running_mean`) in one safetensors file, with the architecture (the
// resolved config) and provenance in `__metadata__`. Optimizer state and progress go to a
// companion file (TrainingState.swift), or with the weights into one resume file
// (TrainingCheckpoint.swift), so that a model file stays a plain, portable weight file.
import Foundation
import Tensor

public enum Checkpoint {
    /// Metadata keys this module writes itself.
    public static let formatKey = "format"
    public static let formatValue = "reidkd-model"
    public static let formatVersionKey = "format_version"
    public static let formatVersion = "1"
    public static let toolVersionKey = "tool_version"
    /// Conventional keys for the architecture: the resolved config as YAML and its hash.
    public static let configKey = "config"
    public static let configHashKey = "config_sha256"

    /// Saves `stateDict` (ordered, unique names) with `metadata` plus format and tool version.
    /// Written atomically; returns the file's SHA-256 and size.
    @discardableResult
    public static func save(_ stateDict: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws -> (sha256: String, bytes: Int64) {
        var meta = metadata
        meta[formatKey] = meta[formatKey] ?? formatValue
        meta[formatVersionKey] = formatVersion
        meta[toolVersionKey] = ReidKDInfo.version
        return try SafetensorsFile.write(stateDict, metadata: meta, to: path)
    }

    /// Reads a checkpoint: (name, tensor) pairs in file order and the metadata.
    public static func load(_ path: String) throws -> (stateDict: [(String, Tensor)], metadata: [String: String]) {
        let f = try SafetensorsFile.read(path)
        return (f.stateDict, f.metadata)
    }

    /// Copies the values of the checkpoint at `path` into the tensors of `stateDict` (a model's
    /// live parameters and buffers). With `strict` (default), every name must be present on both
    /// sides with equal shapes; otherwise only the common names with equal shapes are copied
    /// (shape mismatches are still errors). Nothing is copied if any check fails, and the error
    /// lists the first mismatching names and shapes. Returns the checkpoint's metadata.
    @discardableResult
    public static func load(into stateDict: [(String, Tensor)], from path: String, strict: Bool = true) throws -> [String: String] {
        let f = try SafetensorsFile.read(path)
        try copy(f.stateDict, into: stateDict, path: path, strict: strict)
        return f.metadata
    }

    /// The checks and copy of `load(into:from:strict:)`, for a state dict already in memory.
    public static func copy(_ source: [(String, Tensor)], into target: [(String, Tensor)], path: String, strict: Bool = true) throws {
        let src = Dictionary(source.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let dstNames = Set(target.map { $0.0 })
        let missing = target.map { $0.0 }.filter { src[$0] == nil }
        let unexpected = source.map { $0.0 }.filter { !dstNames.contains($0) }
        var shapeLines: [String] = []
        for (name, t) in target {
            if let s = src[name], s.shape != t.shape {
                shapeLines.append("\(name): checkpoint \(s.shape) vs model \(t.shape)")
            }
        }
        if !shapeLines.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            var lines = ["state dict does not match the model (different architecture or config?)"]
            func section(_ title: String, _ items: [String]) {
                guard !items.isEmpty else { return }
                let shown = items.prefix(listLimit).joined(separator: ", ")
                let more = items.count > listLimit ? " … (\(items.count - listLimit) more)" : ""
                lines.append("  \(title) (\(items.count)): \(shown)\(more)")
            }
            section("shape mismatches", shapeLines)
            if strict {
                section("missing from checkpoint", missing)
                section("unexpected in checkpoint", unexpected)
            }
            throw CheckpointError(path: path, lines.joined(separator: "\n"))
        }
        for (name, t) in target {
            if let s = src[name] { t.assign(s) }
        }
    }

    /// How many names an error message lists per section.
    static let listLimit = 8
}
