// A model brought in from elsewhere, as a ReidKD checkpoint: a FastReID output folder
// (config.yaml + model_final.pth), a .pth/.pt with its FastReID config, or a .safetensors —
// either a ReidKD checkpoint (its config in the metadata) or a state dict in FastReID's names
// with --config. The FastReID mapping and the weights' matching live in Interop; this resolves
// the result against the full run schema, so the checkpoint loads wherever a trained one does
// (`reidkd eval`, `reidkd embed`, a sweep's teacher).
import Foundation
import Tensor
import Config
import NN
import Data
import Interop

public struct ImportedCheckpoint {
    public var config: ResolvedConfig
    public var stateDict: [(String, Tensor)]
    public var report: ImportReport
    /// Metadata keys of an imported checkpoint.
    public static let sourceKey = "imported_from", configSourceKey = "imported_config"

    public static func make(source: String, config: String? = nil, allowMissing: Bool = false) throws -> ImportedCheckpoint {
        let src = try ImportSource.locate(source, config: config)
        if src.checkpoint.hasSuffix(".safetensors") && config == nil {
            let file = try StateDictFile.read(src.checkpoint)
            if let c = try Checkpoint.config(from: file.metadata, path: src.checkpoint, schema: RunConfig.schema) {
                var report = ImportReport(checkpoint: src.checkpoint, config: nil, format: "ReidKD checkpoint (config in its metadata)")
                report.notes = file.notes
                let model = try ReidModel(spec: ModelSpec(config: c, numClasses: classes(file.entries), inputSize: c[\InputKeys.sizeTrain]), seed: 0)
                try Checkpoint.copy(file.entries, into: model.stateDict(), path: src.checkpoint, strict: true)
                report.loaded = file.entries.count; report.total = file.entries.count
                return ImportedCheckpoint(config: c, stateDict: model.stateDict(), report: report)
            }
        }
        guard let cfg = src.config else {
            throw InteropError(path: src.checkpoint, "which model is this? pass --config with the FastReID config it was trained with (the config.yaml FastReID writes into OUTPUT_DIR)")
        }
        let imported = try FastReIDImport.importModel(checkpoint: src.checkpoint, config: cfg, allowMissing: allowMissing)
        let c: ResolvedConfig
        do { c = try RunConfig.schema.load(overrides: imported.overridePairs) } catch let e as ConfigError {
            throw InteropError(path: cfg, "the mapped config is not valid: \(e.message)")
        }
        return ImportedCheckpoint(config: c, stateDict: imported.stateDict, report: imported.report)
    }

    static func classes(_ entries: [(String, Tensor)]) -> Int { entries.first { $0.0 == "heads.weight" }?.1.shape.first ?? 1 }

    /// The model in eval mode.
    public func model() throws -> ReidModel {
        let m = try ReidModel(spec: ModelSpec(config: config, numClasses: ImportedCheckpoint.classes(stateDict), inputSize: config[\InputKeys.sizeTrain]), seed: 0)
        try Checkpoint.copy(stateDict, into: m.stateDict(), path: report.checkpoint, strict: true)
        m.eval()
        return m
    }

    /// Writes a ReidKD model checkpoint (model.safetensors: weights, config, provenance).
    public func save(to path: String) throws {
        var meta = [ImportedCheckpoint.sourceKey: report.checkpoint]
        if let c = report.config { meta[ImportedCheckpoint.configSourceKey] = c }
        try Checkpoint.save(stateDict, config: config, metadata: meta, to: path)
    }
}
