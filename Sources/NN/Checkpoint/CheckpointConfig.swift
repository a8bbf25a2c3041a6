// The architecture travels with the weights: a model checkpoint stores the resolved config
// (YAML) and its hash in its metadata, so evaluation and export can rebuild the model from the
// checkpoint file alone.
import Tensor
import Config

extension Checkpoint {
    /// Saves `stateDict` with `config` (YAML and SHA-256) added to `metadata`.
    @discardableResult
    public static func save(_ stateDict: [(String, Tensor)], config: ResolvedConfig, metadata: [String: String] = [:],
                            to path: String) throws -> (sha256: String, bytes: Int64) {
        var meta = metadata
        meta[configKey] = config.yaml
        meta[configHashKey] = config.sha256
        return try save(stateDict, metadata: meta, to: path)
    }

    /// The config stored in a checkpoint's metadata, re-validated against `schema` (the full
    /// run schema, `RunConfig.schema` in Distill); nil when the checkpoint carries none. `path`
    /// is for error messages.
    public static func config(from metadata: [String: String], path: String, schema: ConfigSchema) throws -> ResolvedConfig? {
        guard let yaml = metadata[configKey] else { return nil }
        do {
            return try schema.load(yaml: yaml, source: "\(path) (metadata \"\(configKey)\")")
        } catch let e as ConfigError {
            throw CheckpointError(path: path, "stored config no longer loads: \(e.message)")
        }
    }
}
