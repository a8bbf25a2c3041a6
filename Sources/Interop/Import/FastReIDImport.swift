// Importing a FastReID model: its config mapped (FastReIDMapping), its checkpoint read
// (StateDictFile) and renamed (FastReIDWeights), a ReidKD model of that spec built, and the
// checkpoint's tensors matched to the model's by name and shape. A shape mismatch is always an
// error; missing or unexpected tensors are errors unless `allowMissing`. The result is the
// config overrides, the state dict in the model's order and a report (IMPORT.md).
import Foundation
import Tensor
import Config
import NN
import Data
import Eval

public struct ImportedModel {
    /// ReidKD config overrides for the model (MODEL.*, INPUT.SIZE_*, TEST.*).
    public var overrides: [(key: String, value: String)]
    /// The model's state dict, in its order.
    public var stateDict: [(String, Tensor)]
    public var report: ImportReport

    /// `[KEY, VALUE, …]` for `ConfigSchema.load(overrides:)`.
    public var overridePairs: [String] { overrides.flatMap { [$0.key, $0.value] } }

    /// The imported model in eval mode, with its config resolved in `schema` (any schema that
    /// holds ModelKeys, InputKeys and TestKeys; Distill passes the full run schema).
    public func model(schema: ConfigSchema? = nil) throws -> (model: ReidModel, config: ResolvedConfig) {
        let c = try (schema ?? FastReIDImport.schema).load(overrides: overridePairs)
        let classes = stateDict.first { $0.0 == "heads.weight" }?.1.shape.first ?? 1
        let m = try ReidModel(spec: ModelSpec(config: c, numClasses: classes, inputSize: c[\InputKeys.sizeTrain]), seed: 0)
        try Checkpoint.copy(stateDict, into: m.stateDict(), path: report.checkpoint)
        m.eval()
        return (m, c)
    }
}

/// Where the checkpoint and the config of an import source are.
public struct ImportSource {
    public var checkpoint: String
    public var config: String?

    /// A FastReID output folder (config.yaml + model_final.pth, or the file named by
    /// last_checkpoint), a ReidKD model folder (model.safetensors), or a checkpoint file with
    /// `config` (default: a config.yaml next to it).
    public static func locate(_ source: String, config: String?) throws -> ImportSource {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: source, isDirectory: &isDir) else { throw InteropError(path: source, "no such file or folder") }
        if isDir.boolValue {
            // A folder written by `reidkd import` or `reidkd export`: its checkpoint carries its config.
            if config == nil, !fm.fileExists(atPath: "\(source)/config.yaml"), fm.fileExists(atPath: "\(source)/model.safetensors") {
                return ImportSource(checkpoint: "\(source)/model.safetensors", config: nil)
            }
            var ckpt = "\(source)/model_final.pth"
            if !fm.fileExists(atPath: ckpt), let last = try? String(contentsOfFile: "\(source)/last_checkpoint", encoding: .utf8) {
                ckpt = "\(source)/\(last.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
            guard fm.fileExists(atPath: ckpt) else {
                let pths = ((try? fm.contentsOfDirectory(atPath: source)) ?? []).filter { $0.hasSuffix(".pth") }.sorted()
                throw InteropError(path: source, "no model_final.pth (or last_checkpoint) in this folder" + (pths.isEmpty ? "" : "; pass one of \(pths.joined(separator: ", ")) with --config"))
            }
            let cfg = config ?? "\(source)/config.yaml"
            guard fm.fileExists(atPath: cfg) else { throw InteropError(path: source, "no config.yaml in this FastReID folder; pass --config") }
            return ImportSource(checkpoint: ckpt, config: cfg)
        }
        if let config { return ImportSource(checkpoint: source, config: config) }
        let sibling = ((source as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.yaml")
        return ImportSource(checkpoint: source, config: fm.fileExists(atPath: sibling) ? sibling : nil)
    }
}

public enum FastReIDImport {
    /// The schema the model is built from here (the full run schema lives in Distill).
    static let schema = ConfigSchema(groups: [ModelKeys.self, InputKeys.self, TestKeys.self])

    public static func importModel(checkpoint: String, config: String, allowMissing: Bool) throws -> ImportedModel {
        let cfg = try FastReIDConfig.load(config)
        var mapping = try FastReIDMapping.map(cfg)
        let file = try StateDictFile.read(checkpoint)
        let (entries, renameNotes) = FastReIDWeights.rename(file.entries, backbone: mapping.backbone)
        var report = ImportReport(checkpoint: checkpoint, config: config, format: file.format)
        report.notes = file.notes + renameNotes
        report.mapped = mapping.mapped; report.ignored = mapping.ignored; report.unknown = mapping.unknown

        if mapping.backbone == "resnet", let w = FastReIDWeights.resnetWidth(entries), w != 1 {
            mapping.overrides.append((ModelKeys.shared.width.name, String(w)))
            report.mapped.append(("(backbone.conv1.weight)", "\(Int(w * 64)) channels", "\(ModelKeys.shared.width.name): \(w) (FastReID's ResNet has 64)"))
        }
        let classifier = entries.first { $0.0 == "heads.weight" }?.1
        var classes = mapping.numClasses
        if classes == 0 {
            // The config must describe the whole model: the classifier's size comes from the checkpoint.
            classes = classifier?.shape.first ?? 1
            mapping.overrides.append((ModelKeys.shared.numClasses.name, String(classes)))
        }
        let pairs = mapping.overrides.flatMap { [$0.key, $0.value] }
        let c: ResolvedConfig
        do { c = try schema.load(overrides: pairs) } catch let e as ConfigError {
            throw InteropError(path: config, "the mapped config is not valid: \(e.message)")
        }
        let model: ReidModel
        do {
            model = try ReidModel(spec: ModelSpec(config: c, numClasses: classes, inputSize: c[\InputKeys.sizeTrain]), seed: 0)
        } catch let e as NNError {
            throw InteropError(path: config, "cannot build the model: \(e)")
        }
        guard model.backbone.outChannels == mapping.featDim else {
            throw InteropError(path: config, "MODEL.BACKBONE.FEAT_DIM is \(mapping.featDim) but this backbone gives \(model.backbone.outChannels) channels; FastReID could not have built this model — is it the config of this checkpoint?")
        }
        if mapping.numClasses > 0, let w = classifier, w.shape.first != mapping.numClasses {
            throw InteropError(path: checkpoint, "heads.weight has \(w.shape.first ?? 0) classes but MODEL.HEADS.NUM_CLASSES is \(mapping.numClasses) in \(config)")
        }
        let result = try match(entries, into: model.stateDict(), checkpoint: checkpoint, allowMissing: allowMissing,
                               notStored: Set(mapping.notStored), report: &report)
        if let p = result.first(where: { $0.0 == "heads.pool_layer.p" })?.1, p.count == 1, p.item() < 1 {
            report.warnings.append("GeM p = \(p.item()) < 1: ReidKD clamps p to ≥ 1, so embeddings differ from FastReID's")
        }
        return ImportedModel(overrides: mapping.overrides, stateDict: result, report: report)
    }

    /// The model's state dict filled from `entries` by name (equal shapes required).
    static func match(_ entries: [(String, Tensor)], into target: [(String, Tensor)], checkpoint: String, allowMissing: Bool,
                      notStored: Set<String> = [], report: inout ImportReport) throws -> [(String, Tensor)] {
        let src = Dictionary(entries.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let targetNames = Set(target.map(\.0))
        var out: [(String, Tensor)] = [], shapes: [String] = []
        for (name, t) in target {
            if let s = src[name] {
                if s.shape == t.shape { out.append((name, s)); report.loaded += 1 } else { shapes.append("\(name): checkpoint \(s.shape), model \(t.shape)") }
            } else if notStored.contains(name) {
                report.notes.append("\(name) is not stored by FastReID (a constant there); the model's value \(t.scalars.prefix(4)) is kept")
                out.append((name, t)); report.loaded += 1
            } else {
                report.missing.append(name)
                out.append((name, t))
            }
        }
        report.total = target.count
        report.unexpected = entries.map(\.0).filter { !targetNames.contains($0) }
        if !shapes.isEmpty {
            throw InteropError(path: checkpoint, "tensor shapes do not match the model the config describes (is it this checkpoint's config?): "
                               + shapes.prefix(5).joined(separator: "; ") + (shapes.count > 5 ? "; … (\(shapes.count) in all)" : ""))
        }
        if !allowMissing && !(report.missing.isEmpty && report.unexpected.isEmpty) {
            var parts: [String] = []
            if !report.missing.isEmpty { parts.append("\(report.missing.count) tensors of the model are not in the checkpoint (\(report.missing.prefix(4).joined(separator: ", "))\(report.missing.count > 4 ? ", …" : ""))") }
            if !report.unexpected.isEmpty { parts.append("\(report.unexpected.count) tensors of the checkpoint are not in the model (\(report.unexpected.prefix(4).joined(separator: ", "))\(report.unexpected.count > 4 ? ", …" : ""))") }
            throw InteropError(path: checkpoint, "a partial match: " + parts.joined(separator: "; ") + "; pass --allow-missing to import anyway")
        }
        return out
    }
}
