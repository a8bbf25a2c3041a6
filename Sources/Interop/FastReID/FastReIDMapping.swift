// From a FastReID config to ReidKD config overrides for the same eval-mode model: backbone
// (ResNet 18x–101x with IBN-a/SE/last stride, the FastReID stem pool; MobileNetV2 by width),
// head (pooling, embedding reduction, BNNeck, classifier), pixel normalisation, test size and
// evaluation settings. A value that changes the model and has no ReidKD equivalent (non-local
// blocks, group norm, another meta-architecture, test-time center crop …) is an error naming
// the key; every other key is listed as ignored with the reason (FastReIDKeys.swift).
import Foundation
import NN
import Data
import Eval

public struct FastReIDModelConfig {
    /// ReidKD config overrides (key, YAML value text), in the order they were decided.
    public var overrides: [(key: String, value: String)] = []
    /// (FastReID key, its value, what it became).
    public var mapped: [(key: String, value: String, becomes: String)] = []
    public var ignored: [(key: String, value: String, reason: String)] = []
    /// Keys FastReID 1.4 does not define (a project's own), ignored.
    public var unknown: [(key: String, value: String)] = []
    /// "resnet" or "mobilenetv2".
    public var backbone = "resnet"
    /// MODEL.BACKBONE.FEAT_DIM: must equal the backbone's output channels.
    public var featDim = 0
    /// MODEL.HEADS.NUM_CLASSES (0: take it from the checkpoint's classifier).
    public var numClasses = 0
    /// Tensors ReidKD's model has and FastReID's does not store (fixed GeM's p = 3 is a frozen
    /// parameter here, a constant there): they keep the model's value.
    public var notStored: [String] = []
}

public enum FastReIDMapping {
    static let resnetDepths = ["18x": 18, "34x": 34, "50x": 50, "101x": 101]
    static let mobileNetWidths = ["1.0x": 1.0, "0.75x": 0.75, "0.5x": 0.5, "0.35x": 0.35, "0.25x": 0.25]
    /// Norm layers that are BatchNorm with running statistics in eval mode.
    static let batchNorms = ["BN", "syncBN", "FrozenBN", "GhostBN"]
    static let poolings = ["GlobalAvgPool", "FastGlobalAvgPool", "GlobalMaxPool", "AdaptiveAvgMaxPool",
                           "GeneralizedMeanPoolingP", "GeneralizedMeanPooling", "Flatten"]
    static let classifiers = ["Linear", "ArcSoftmax", "CosSoftmax", "CircleSoftmax"]

    public static func map(_ cfg: FastReIDConfig) throws -> FastReIDModelConfig {
        var out = FastReIDModelConfig()
        func raw(_ k: String) -> Any { cfg.values[k] ?? FastReIDKeys.defaults[k]! }
        func fail(_ k: String, _ why: String) -> InteropError {
            InteropError(path: cfg.path, "\(k): \(FastReIDValue.show(raw(k))) \(why)")
        }
        func text(_ k: String) throws -> String {
            guard let s = FastReIDValue.string(raw(k)) else { throw fail(k, "is not a name") }
            return s
        }
        func flag(_ k: String) throws -> Bool {
            guard let b = FastReIDValue.bool(raw(k)) else { throw fail(k, "is not True or False") }
            return b
        }
        func int(_ k: String) throws -> Int {
            guard let i = FastReIDValue.int(raw(k)) else { throw fail(k, "is not an integer") }
            return i
        }
        func number(_ k: String) throws -> Double {
            guard let d = FastReIDValue.double(raw(k)) else { throw fail(k, "is not a number") }
            return d
        }
        func set(_ k: String, _ ours: String, _ value: String) {
            out.overrides.append((ours, value))
            out.mapped.append((k, FastReIDValue.show(raw(k)), "\(ours): \(value)"))
        }
        func note(_ k: String, _ becomes: String) { out.mapped.append((k, FastReIDValue.show(raw(k)), becomes)) }
        let m = ModelKeys.shared

        let arch = try text("MODEL.META_ARCHITECTURE")
        guard arch == "Baseline" || arch == "Distiller" else {
            throw fail("MODEL.META_ARCHITECTURE", "is not supported: only Baseline models (and Distiller students, which are Baselines) import")
        }
        note("MODEL.META_ARCHITECTURE", arch == "Baseline" ? "backbone + embedding head" : "the student (a Baseline); its teachers are not in the checkpoint")

        // Backbone.
        let name = try text("MODEL.BACKBONE.NAME")
        let depth = try text("MODEL.BACKBONE.DEPTH")
        switch name {
        case "build_resnet_backbone":
            out.backbone = "resnet"
            guard let d = resnetDepths[depth] else { throw fail("MODEL.BACKBONE.DEPTH", "is not a ResNet depth (18x, 34x, 50x, 101x)") }
            set("MODEL.BACKBONE.NAME", m.backboneName.name, "resnet")
            set("MODEL.BACKBONE.DEPTH", m.depth.name, String(d))
            let stride = try int("MODEL.BACKBONE.LAST_STRIDE")
            guard stride == 1 || stride == 2 else { throw fail("MODEL.BACKBONE.LAST_STRIDE", "must be 1 or 2") }
            set("MODEL.BACKBONE.LAST_STRIDE", m.lastStride.name, String(stride))
            set("MODEL.BACKBONE.WITH_IBN", m.withIBN.name, String(try flag("MODEL.BACKBONE.WITH_IBN")))
            set("MODEL.BACKBONE.WITH_SE", m.withSE.name, String(try flag("MODEL.BACKBONE.WITH_SE")))
            if try flag("MODEL.BACKBONE.WITH_NL") {
                throw fail("MODEL.BACKBONE.WITH_NL", "(non-local blocks) is not supported by ReidKD's ResNet; import a model trained without them")
            }
            note("MODEL.BACKBONE.WITH_NL", "no non-local blocks")
            out.overrides.append((m.stemPool.name, "fastreid"))
            out.mapped.append(("(FastReID's ResNet stem)", "MaxPool2d(3, 2, padding 0, ceil_mode)", "\(m.stemPool.name): fastreid"))
        case "build_mobilenetv2_backbone":
            out.backbone = "mobilenetv2"
            guard let w = mobileNetWidths[depth] else {
                throw fail("MODEL.BACKBONE.DEPTH", "is not a supported MobileNetV2 width (1.0x, 0.75x, 0.5x, 0.35x, 0.25x; FastReID's 0.1x rounds channels to multiples of 4, ReidKD's to 8)")
            }
            set("MODEL.BACKBONE.NAME", m.backboneName.name, "mobilenetv2")
            set("MODEL.BACKBONE.DEPTH", m.width.name, String(w))
            // FastReID's MobileNetV2 ignores LAST_STRIDE: its 160-channel stage keeps stride 2.
            out.overrides.append((m.lastStride.name, "2"))
            out.mapped.append(("MODEL.BACKBONE.LAST_STRIDE", FastReIDValue.show(raw("MODEL.BACKBONE.LAST_STRIDE")),
                               "\(m.lastStride.name): 2 (FastReID's MobileNetV2 ignores LAST_STRIDE)"))
            for k in ["MODEL.BACKBONE.WITH_IBN", "MODEL.BACKBONE.WITH_SE", "MODEL.BACKBONE.WITH_NL"] {
                out.ignored.append((k, FastReIDValue.show(raw(k)), "FastReID's MobileNetV2 does not read it"))
            }
        default:
            throw fail("MODEL.BACKBONE.NAME", "is not supported; ReidKD imports build_resnet_backbone and build_mobilenetv2_backbone")
        }
        for k in ["MODEL.BACKBONE.NORM", "MODEL.HEADS.NORM"] {
            let norm = try text(k)
            guard batchNorms.contains(norm) else { throw fail(k, "is not supported; only BatchNorm variants (\(batchNorms.joined(separator: ", "))) import") }
            note(k, "BatchNorm with running statistics (eval mode)")
        }
        out.featDim = try int("MODEL.BACKBONE.FEAT_DIM")
        note("MODEL.BACKBONE.FEAT_DIM", "checked against the backbone's output channels")

        // Head.
        guard try text("MODEL.HEADS.NAME") == "EmbeddingHead" else { throw fail("MODEL.HEADS.NAME", "is not supported; only EmbeddingHead imports") }
        let pool = try text("MODEL.HEADS.POOL_LAYER")
        guard poolings.contains(pool) else {
            throw fail("MODEL.HEADS.POOL_LAYER", "is not supported; ReidKD imports \(poolings.joined(separator: ", "))")
        }
        set("MODEL.HEADS.POOL_LAYER", m.poolLayer.name, pool)
        if pool == "GeneralizedMeanPooling" { out.notStored.append("heads.pool_layer.p") }
        let embedding = try int("MODEL.HEADS.EMBEDDING_DIM")
        guard embedding >= 0 else { throw fail("MODEL.HEADS.EMBEDDING_DIM", "must be ≥ 0") }
        set("MODEL.HEADS.EMBEDDING_DIM", m.embeddingDim.name, String(embedding))
        set("MODEL.HEADS.WITH_BNNECK", m.withBNNeck.name, String(try flag("MODEL.HEADS.WITH_BNNECK")))
        // FastReID's eval output is the post-neck feature whatever NECK_FEAT says (it only picks
        // the training feature), so the imported model embeds after the neck.
        out.overrides.append((m.neckFeat.name, "after"))
        out.numClasses = try int("MODEL.HEADS.NUM_CLASSES")
        if out.numClasses > 0 { set("MODEL.HEADS.NUM_CLASSES", m.numClasses.name, String(out.numClasses)) }
        else { note("MODEL.HEADS.NUM_CLASSES", "taken from the checkpoint's classifier") }
        let cls = try text("MODEL.HEADS.CLS_LAYER")
        guard classifiers.contains(cls) else { throw fail("MODEL.HEADS.CLS_LAYER", "is not supported; one of \(classifiers.joined(separator: ", "))") }
        set("MODEL.HEADS.CLS_LAYER", m.clsLayer.name, cls)
        if cls != "Linear" {
            let margin = try number("MODEL.HEADS.MARGIN")
            guard margin >= 0 && margin < 1 else { throw fail("MODEL.HEADS.MARGIN", "is outside [0, 1)") }
            set("MODEL.HEADS.SCALE", m.scale.name, String(try number("MODEL.HEADS.SCALE")))
            set("MODEL.HEADS.MARGIN", m.margin.name, String(margin))
        } else {
            for k in ["MODEL.HEADS.SCALE", "MODEL.HEADS.MARGIN"] { out.ignored.append((k, FastReIDValue.show(raw(k)), "unused by a Linear classifier")) }
        }

        // Input and evaluation.
        for (k, ours) in [("MODEL.PIXEL_MEAN", m.pixelMean.name), ("MODEL.PIXEL_STD", m.pixelStd.name)] {
            guard let v = FastReIDValue.doubles(raw(k)), v.count == 3 else { throw fail(k, "is not a list of 3 numbers") }
            set(k, ours, "[" + v.map { String($0) }.joined(separator: ", ") + "]")
        }
        guard let size = FastReIDValue.ints(raw("INPUT.SIZE_TEST")), size.count == 2, size.allSatisfy({ $0 > 0 }) else {
            throw fail("INPUT.SIZE_TEST", "is not [height, width]")
        }
        let sizeText = "[\(size[0]), \(size[1])]"
        set("INPUT.SIZE_TEST", InputKeys.shared.sizeTest.name, sizeText)
        out.overrides.append((InputKeys.shared.sizeTrain.name, sizeText))
        if try flag("INPUT.CROP.ENABLED") {
            throw fail("INPUT.CROP.ENABLED", "center-crops test images to INPUT.CROP.SIZE after resizing, which ReidKD's preprocessing does not do")
        }
        let t = TestKeys.shared
        let metric = try text("TEST.METRIC")
        guard metric == "cosine" || metric == "euclidean" else { throw fail("TEST.METRIC", "is not cosine or euclidean") }
        set("TEST.METRIC", t.metric.name, metric)
        set("TEST.FLIP.ENABLED", t.flip.name, String(try flag("TEST.FLIP.ENABLED")))
        let rerank = try flag("TEST.RERANK.ENABLED")
        set("TEST.RERANK.ENABLED", t.rerank.name, String(rerank))
        if rerank {
            set("TEST.RERANK.K1", t.rerankK1.name, String(try int("TEST.RERANK.K1")))
            set("TEST.RERANK.K2", t.rerankK2.name, String(try int("TEST.RERANK.K2")))
            set("TEST.RERANK.LAMBDA", t.rerankLambda.name, String(try number("TEST.RERANK.LAMBDA")))
        }

        // Everything else the file sets.
        let decided = Set(out.mapped.map(\.key) + out.ignored.map(\.key))
        for (k, v) in cfg.values.sorted(by: { $0.key < $1.key }) where !decided.contains(k) {
            if let why = FastReIDKeys.ignoredReason(k) { out.ignored.append((k, FastReIDValue.show(v), why)) }
            else if FastReIDKeys.defaults[k] != nil { out.ignored.append((k, FastReIDValue.show(v), "no effect with the other settings")) }
            else { out.unknown.append((k, FastReIDValue.show(v))) }
        }
        return out
    }
}
