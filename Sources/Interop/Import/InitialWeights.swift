// Weights that start a model before training. MODEL.WEIGHTS (FastReID's key) initialises the whole
// model from a checkpoint: a ReidKD .safetensors, a FastReID/PyTorch .pth, or an ImageNet state
// dict in torchvision's layout. MODEL.BACKBONE.PRETRAIN_PATH initialises the backbone only, from a
// torchvision-layout ImageNet state dict (.pth or .safetensors) or from the backbone of a ReidKD or
// FastReID checkpoint; the head is always left fresh. Tensors are matched by name; those of
// another shape (a classifier for other identities) are skipped and reported, and a file that
// shares nothing with the model is an error. torchvision's layout (conv1.*, layer1.*, fc.* for
// ResNet; features.*, classifier.* for MobileNetV2) is ReidKD's backbone layout without the
// `backbone.` prefix; its ImageNet classifier (fc/classifier) is never loaded.
import Foundation
import Tensor
import Config
import NN

public enum InitialWeights {
    /// Applies MODEL.WEIGHTS, then MODEL.BACKBONE.PRETRAIN_PATH; returns one report line per file
    /// (nil when neither key is set).
    public static func load(into model: ReidModel, config c: ResolvedConfig) throws -> String? {
        var lines: [String] = []
        let weights = c[\ModelKeys.weights]
        if !weights.isEmpty { lines.append(try apply(weights, key: ModelKeys.shared.weights.name, backboneOnly: false, to: model)) }
        let pretrain = c[\ModelKeys.pretrainPath]
        if !pretrain.isEmpty { lines.append(try apply(pretrain, key: ModelKeys.shared.pretrainPath.name, backboneOnly: true, to: model)) }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// The state dict of `path` in ReidKD's names, with its layout and what was set aside.
    static func named(_ path: String, for model: ReidModel) throws -> (entries: [(String, Tensor)], layout: String, classifier: [String]) {
        let file = try StateDictFile.read(path)
        if file.entries.contains(where: { $0.0.hasPrefix("backbone.") || $0.0.hasPrefix("heads.") }) {
            if file.metadata[Checkpoint.formatKey] == Checkpoint.formatValue { return (file.entries, "ReidKD", []) }
            let renamed = FastReIDWeights.rename(file.entries, backbone: model.spec.backbone).entries
            return (renamed, "FastReID", [])
        }
        // torchvision / ImageNet layout: the backbone without its prefix, plus an ImageNet classifier.
        var entries: [(String, Tensor)] = [], classifier: [String] = []
        for (name, t) in file.entries {
            if name.hasPrefix("fc.") || name.hasPrefix("classifier.") { classifier.append(name) } else { entries.append(("backbone." + name, t)) }
        }
        return (entries, "torchvision", classifier)
    }

    static func apply(_ path: String, key: String, backboneOnly: Bool, to model: ReidModel) throws -> String {
        let (source, layout, classifier) = try named(path, for: model)
        let src = Dictionary(source.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let target = model.stateDict().filter { !backboneOnly || $0.0.hasPrefix("backbone.") }
        var loaded = 0, skipped: [String] = []
        for (name, t) in target {
            guard let s = src[name] else { continue }
            if s.shape == t.shape { t.assign(s); loaded += 1 } else { skipped.append("\(name) \(s.shape)→\(t.shape)") }
        }
        let scope = backboneOnly ? "backbone tensors" : "tensors"
        guard loaded > 0 else {
            throw InteropError(path: path, "\(key) shares no parameter name and shape with this model's \(target.count) \(scope) (\(layout) layout read); is it a checkpoint of this architecture and width?")
        }
        let unused = source.map(\.0).filter { name in !target.contains { $0.0 == name } }
        var line = "\(key) \(path) (\(layout) layout): \(loaded)/\(target.count) \(scope) loaded"
        if !skipped.isEmpty { line += ", \(skipped.count) skipped for shape (\(skipped.prefix(3).joined(separator: ", "))\(skipped.count > 3 ? ", …" : ""))" }
        let missing = target.count - loaded - skipped.count
        if missing > 0 { line += ", \(missing) not in the file (kept at their initialisation)" }
        if backboneOnly { line += "; head left fresh" }
        if !classifier.isEmpty { line += "; ImageNet classifier ignored (\(classifier.sorted().joined(separator: ", ")))" }
        if !unused.isEmpty && !backboneOnly { line += "; \(unused.count) tensors of the file unused" }
        return line
    }
}
