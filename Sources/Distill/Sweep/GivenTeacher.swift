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

    init(checkpoint: String, config: String?) throws {
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
            let imported = try ImportedCheckpoint.make(source: located.checkpoint, config: cfg)
            kind = .fastreid; source = located.checkpoint; fastreidConfig = cfg
            baseYAML = imported.config.yaml
            converted = imported
        }
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
