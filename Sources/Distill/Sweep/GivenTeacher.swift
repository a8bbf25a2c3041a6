// A sweep's `teacher: {checkpoint: …}`: a teacher that is evaluated and recorded, never trained.
// The checkpoint may be
//   - a ReidKD checkpoint (.safetensors) — with `config:` (a ReidKD config) or the config it carries;
//   - a folder written by `reidkd import` (its model.safetensors carries the config);
//   - a FastReID output folder (config.yaml + model_final.pth), converted when the teacher runs;
//   - a .pth/.pt with `config:` naming its FastReID config (default: config.yaml next to it).
// Paths are relative to the sweep file. The teacher run's config starts from the checkpoint's
// own config when it brings one; the sweep's common and teacher overrides apply on top.
import Foundation
import Config
import NN
import Interop

final class GivenTeacher {
    enum Kind { case reidkd, imported, fastreid }
    let kind: Kind
    /// The ReidKD checkpoint (reidkd, imported) or the FastReID checkpoint (fastreid).
    let source: String
    /// The FastReID config (fastreid only).
    let fastreidConfig: String?
    /// The run config the checkpoint brings (imported, fastreid, or a reidkd checkpoint without `config:`).
    let baseYAML: String?
    private var converted: ImportedCheckpoint?

    /// `runDirectory` is the teacher run's folder: a FastReID teacher converted there before (by
    /// this sweep's teacher run, from the same unchanged file) gives its config without reading
    /// the .pth again — every worker process of a sweep builds this.
    init(checkpoint: String, config: String?, runDirectory: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: checkpoint, isDirectory: &isDir) else {
            throw SweepError("teacher checkpoint \(checkpoint) does not exist (paths are relative to the sweep file)")
        }
        let folderModel = "\(checkpoint)/model.safetensors"
        if (isDir.boolValue && fm.fileExists(atPath: folderModel)) || (!isDir.boolValue && checkpoint.hasSuffix(".safetensors")) {
            source = isDir.boolValue ? folderModel : checkpoint
            kind = isDir.boolValue ? .imported : .reidkd
            fastreidConfig = nil
            // A reidkd checkpoint with `config:` keeps the sweep's behaviour: that config is the base.
            if kind == .reidkd && config != nil {
                baseYAML = nil
            } else {
                baseYAML = try Checkpoint.config(from: try Checkpoint.load(source).metadata, path: source, schema: RunConfig.schema)?.yaml
            }
            if baseYAML == nil && config == nil {
                throw SweepError("teacher checkpoint \(source) carries no config; give the teacher a `config:`")
            }
        } else {
            let located = try ImportSource.locate(checkpoint, config: config)
            guard let cfg = located.config else {
                throw SweepError("teacher checkpoint \(checkpoint): give `config:` with the FastReID config it was trained with")
            }
            kind = .fastreid; source = located.checkpoint; fastreidConfig = cfg
            if let yaml = GivenTeacher.convertedConfig(in: runDirectory, from: located.checkpoint, config: cfg) {
                baseYAML = yaml
            } else {
                let imported = try ImportedCheckpoint.make(source: located.checkpoint, config: cfg)
                baseYAML = imported.config.yaml
                converted = imported
            }
        }
    }

    /// The config of `runDirectory`/model.safetensors when it was converted from `source` with
    /// `config` and neither changed since.
    static func convertedConfig(in runDirectory: String, from source: String, config: String) -> String? {
        let file = "\(runDirectory)/model.safetensors"
        let fm = FileManager.default
        func modified(_ p: String) -> Date? { (try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date }
        guard let done = modified(file), let a = modified(source), let b = modified(config), a <= done, b <= done,
              let meta = try? SafetensorsFile.read(file).metadata,
              meta[ImportedCheckpoint.sourceKey] == source, meta[ImportedCheckpoint.configSourceKey] == config else { return nil }
        return meta[Checkpoint.configKey]
    }

    /// The ReidKD checkpoint students load (a FastReID teacher's is written into its run folder).
    func checkpoint(runDirectory: String) -> String {
        kind == .fastreid ? "\(runDirectory)/model.safetensors" : source
    }

    /// Writes the converted checkpoint of a FastReID teacher (no-op for the other kinds).
    func materialise(runDirectory: String) throws {
        guard kind == .fastreid else { return }
        let imported = try converted ?? ImportedCheckpoint.make(source: source, config: fastreidConfig)
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        try imported.save(to: checkpoint(runDirectory: runDirectory))
        converted = nil   // the tensors are in the file now
    }
}
