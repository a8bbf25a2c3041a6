// Every config key of ReidKD with its default, type/range and meaning — the one place defaults
// live (docs/CONFIG.md is generated from this table by `reidkd config keys --markdown`).
// Names follow FastReID's defaults.py; values are FastReID's unless the comment says otherwise.
// Add a key with one line here; the loader, validator, YAML printer and hash pick it up.
// Keys whose value names a registry entry (backbone, pooling, classifier, loss) are plain
// strings here: the registries check them and suggest the closest valid name.

/// One config key: dotted name, type, default, a one-line description, and whether it enters
/// the canonical hash (paths that do not change results are left out).
public struct ConfigKey: Sendable {
    public let key: String
    public let type: ValueType
    public let defaultValue: ConfigValue
    public let doc: String
    public let hashed: Bool
}

private func int(_ k: String, _ v: Int, _ r: ClosedRange<Int>, _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .int(r), defaultValue: .int(v), doc: doc, hashed: true)
}
private func choice(_ k: String, _ v: Int, _ c: [Int], _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .intChoice(c), defaultValue: .int(v), doc: doc, hashed: true)
}
private func float(_ k: String, _ v: Double, _ r: ClosedRange<Double>, _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .double(r), defaultValue: .double(v), doc: doc, hashed: true)
}
private func str(_ k: String, _ v: String, _ c: [String]? = nil, _ doc: String, hashed: Bool = true) -> ConfigKey {
    ConfigKey(key: k, type: .string(c), defaultValue: .string(v), doc: doc, hashed: hashed)
}
private func flag(_ k: String, _ v: Bool, _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .bool, defaultValue: .bool(v), doc: doc, hashed: true)
}
private func ints(_ k: String, _ v: [Int], _ r: ClosedRange<Int>, n: ClosedRange<Int>, _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .list(.int(r), count: n), defaultValue: .list(v.map { .int($0) }), doc: doc, hashed: true)
}
private func floats(_ k: String, _ v: [Double], _ r: ClosedRange<Double>, n: ClosedRange<Int>, _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .list(.double(r), count: n), defaultValue: .list(v.map { .double($0) }), doc: doc, hashed: true)
}
private func strs(_ k: String, _ v: [String], _ c: [String]? = nil, n: ClosedRange<Int>, _ doc: String) -> ConfigKey {
    ConfigKey(key: k, type: .list(.string(c), count: n), defaultValue: .list(v.map { .string($0) }), doc: doc, hashed: true)
}

private let any = 0...Int.max
private let pos = 1...Int.max
private let nonneg = 0.0...Double.infinity
private let many = 0...Int.max
private let imagenetMean = [123.675, 116.28, 103.53]
private let imagenetStd = [58.395, 57.12, 57.375]

public enum ConfigDefaults {
    public static let keys: [ConfigKey] = [
        // MODEL
        floats("MODEL.PIXEL_MEAN", imagenetMean, -1e4...1e4, n: 3...3, "per-channel mean subtracted inside the model (0–255 RGB input)"),
        floats("MODEL.PIXEL_STD", imagenetStd, 1e-6...1e4, n: 3...3, "per-channel std dividing inside the model"),
        str("MODEL.WEIGHTS", "", nil, "checkpoint (.safetensors) to initialise from; empty = random init", hashed: true),
        strs("MODEL.FREEZE_LAYERS", ["backbone"], n: many, "parameter-name prefixes frozen for SOLVER.FREEZE_ITERS (FastReID default [], ours [backbone] so FREEZE_ITERS alone works)"),
        str("MODEL.BACKBONE.NAME", "resnet", nil, "backbone registry name"),
        choice("MODEL.BACKBONE.DEPTH", 50, [18, 34, 50, 101], "ResNet depth (FastReID writes \"50x\")"),
        choice("MODEL.BACKBONE.LAST_STRIDE", 1, [1, 2], "stride of the last stage"),
        flag("MODEL.BACKBONE.WITH_IBN", false, "IBN-a: instance norm on half the channels of bn1 in layer1–3"),
        flag("MODEL.BACKBONE.WITH_SE", false, "squeeze-excitation blocks (r = 16)"),
        flag("MODEL.BACKBONE.ZERO_INIT_RESIDUAL", false, "zero γ of the last BN of each residual branch (blocks start as identity; ours)"),
        float("MODEL.BACKBONE.WIDTH", 1.0, 0.0625...4, "channel-width multiplier (ours; FastReID has none for ResNet)"),
        str("MODEL.HEADS.POOL_LAYER", "GlobalAvgPool", nil, "pooling registry name"),
        int("MODEL.HEADS.EMBEDDING_DIM", 0, any, "1×1 reduction to this dimension before the neck; 0 = none"),
        flag("MODEL.HEADS.WITH_BNNECK", true, "BatchNorm neck with frozen zero bias"),
        str("MODEL.HEADS.NECK_FEAT", "before", ["before", "after"], "feature used at eval and by metric losses: before or after the BNNeck"),
        str("MODEL.HEADS.CLS_LAYER", "Linear", nil, "classifier registry name (Linear, ArcSoftmax, CircleSoftmax, CosSoftmax)"),
        float("MODEL.HEADS.SCALE", 1.0, 0.0...1e4, "classifier scale s"),
        float("MODEL.HEADS.MARGIN", 0.0, 0.0...10, "classifier margin m"),
        int("MODEL.HEADS.NUM_CLASSES", 0, any, "identities in the training set; 0 = take from the data"),
        strs("MODEL.LOSSES.NAME", ["CrossEntropyLoss"], n: 1...Int.max, "loss registry names, summed with their SCALE"),
        float("MODEL.LOSSES.CE.EPSILON", 0.1, 0.0...1, "label smoothing ε (FastReID default 0, bagtricks 0.1; issue 3 asks 0.1)"),
        float("MODEL.LOSSES.CE.SCALE", 1.0, nonneg, "weight of loss_cls"),
        float("MODEL.LOSSES.TRI.MARGIN", 0.3, 0.0...10, "triplet margin; 0 = soft margin"),
        flag("MODEL.LOSSES.TRI.NORM_FEAT", false, "L2-normalise features before the triplet distances"),
        flag("MODEL.LOSSES.TRI.HARD_MINING", true, "batch-hard mining (FastReID default false = weighted; bagtricks true)"),
        float("MODEL.LOSSES.TRI.SCALE", 1.0, nonneg, "weight of loss_triplet"),
        float("MODEL.LOSSES.CIRCLE.MARGIN", 0.25, 0.0...1, "pairwise circle loss margin m"),
        float("MODEL.LOSSES.CIRCLE.GAMMA", 128, 1e-6...1e4, "pairwise circle loss scale γ"),
        float("MODEL.LOSSES.CIRCLE.SCALE", 1.0, nonneg, "weight of loss_circle"),
        float("MODEL.LOSSES.COSFACE.MARGIN", 0.25, 0.0...1, "pairwise CosFace margin m"),
        float("MODEL.LOSSES.COSFACE.GAMMA", 128, 1e-6...1e4, "pairwise CosFace scale γ"),
        float("MODEL.LOSSES.COSFACE.SCALE", 1.0, nonneg, "weight of loss_cosface"),

        // INPUT (bagtricks augmentation values; FastReID's defaults.py has them disabled)
        ints("INPUT.SIZE_TRAIN", [256, 128], pos, n: 2...2, "training image size [height, width]"),
        ints("INPUT.SIZE_TEST", [256, 128], pos, n: 2...2, "test image size [height, width]"),
        flag("INPUT.FLIP.ENABLED", true, "random horizontal flip"),
        float("INPUT.FLIP.PROB", 0.5, 0.0...1, "flip probability"),
        flag("INPUT.PADDING.ENABLED", true, "pad then random crop back to size"),
        int("INPUT.PADDING.SIZE", 10, any, "padding in pixels"),
        str("INPUT.PADDING.MODE", "constant", ["constant", "edge", "reflect"], "padding fill mode"),
        flag("INPUT.REA.ENABLED", true, "random erasing"),
        float("INPUT.REA.PROB", 0.5, 0.0...1, "random erasing probability"),
        floats("INPUT.REA.VALUE", imagenetMean, 0.0...255, n: 3...3, "erasing fill (0–255 RGB)"),
        flag("INPUT.CJ.ENABLED", false, "colour jitter"),
        float("INPUT.CJ.PROB", 0.5, 0.0...1, "colour jitter probability"),
        float("INPUT.CJ.BRIGHTNESS", 0.15, 0.0...1, "brightness jitter"),
        float("INPUT.CJ.CONTRAST", 0.15, 0.0...1, "contrast jitter"),
        float("INPUT.CJ.SATURATION", 0.1, 0.0...1, "saturation jitter"),
        float("INPUT.CJ.HUE", 0.1, 0.0...0.5, "hue jitter"),

        // DATALOADER
        str("DATALOADER.SAMPLER_TRAIN", "NaiveIdentitySampler", ["TrainingSampler", "NaiveIdentitySampler"], "training sampler"),
        int("DATALOADER.NUM_INSTANCE", 4, pos, "K images per identity in a P×K batch"),
        int("DATALOADER.NUM_WORKERS", 2, pos, "decoding threads"),

        // SOLVER
        str("SOLVER.OPT", "Adam", ["SGD", "Adam", "AdamW"], "optimizer"),
        int("SOLVER.MAX_EPOCH", 120, pos, "training epochs"),
        float("SOLVER.BASE_LR", 3e-4, 0.0...10, "base learning rate"),
        float("SOLVER.MOMENTUM", 0.9, 0.0...0.9999, "SGD momentum"),
        flag("SOLVER.NESTEROV", false, "Nesterov momentum (SGD)"),
        float("SOLVER.WEIGHT_DECAY", 5e-4, 0.0...1, "weight decay of conv/linear weights"),
        float("SOLVER.WEIGHT_DECAY_NORM", 5e-4, 0.0...1, "weight decay of norm scales and other rank-1 parameters"),
        float("SOLVER.WEIGHT_DECAY_BIAS", 5e-4, 0.0...1, "weight decay of biases (FastReID: = WEIGHT_DECAY)"),
        float("SOLVER.BIAS_LR_FACTOR", 1.0, 0.0...100, "LR multiplier of biases"),
        int("SOLVER.IMS_PER_BATCH", 64, pos, "training batch size"),
        str("SOLVER.SCHED", "MultiStepLR", ["MultiStepLR", "CosineAnnealingLR"], "main LR schedule (per epoch)"),
        ints("SOLVER.STEPS", [30, 55], pos, n: many, "MultiStepLR: epochs where the LR is multiplied by GAMMA"),
        float("SOLVER.GAMMA", 0.1, 0.0...1, "MultiStepLR decay factor"),
        int("SOLVER.DELAY_EPOCHS", 0, any, "epochs before the main schedule starts"),
        float("SOLVER.ETA_MIN_LR", 1e-7, 0.0...10, "CosineAnnealingLR: final LR"),
        str("SOLVER.WARMUP_METHOD", "linear", ["linear", "constant"], "warm-up factor shape"),
        float("SOLVER.WARMUP_FACTOR", 0.1, 0.0...1, "LR factor at iteration 0 of the warm-up"),
        int("SOLVER.WARMUP_ITERS", 1000, any, "warm-up iterations"),
        int("SOLVER.FREEZE_ITERS", 0, any, "iterations during which MODEL.FREEZE_LAYERS are not updated"),
        int("SOLVER.CHECKPOINT_PERIOD", 20, pos, "epochs between checkpoints"),
        flag("SOLVER.CLIP_GRADIENTS.ENABLED", false, "gradient clipping"),
        str("SOLVER.CLIP_GRADIENTS.CLIP_TYPE", "norm", ["norm", "value"], "norm: global norm over all parameters; value: per element"),
        float("SOLVER.CLIP_GRADIENTS.CLIP_VALUE", 5.0, 1e-12...1e6, "maximum norm or absolute value"),
        float("SOLVER.CLIP_GRADIENTS.NORM_TYPE", 2.0, 1.0...Double.infinity, "p of the p-norm"),

        // TEST
        int("TEST.EVAL_PERIOD", 20, pos, "epochs between evaluations (and at the end)"),
        int("TEST.IMS_PER_BATCH", 128, pos, "evaluation batch size"),
        str("TEST.METRIC", "cosine", ["cosine", "euclidean"], "query–gallery distance"),
        flag("TEST.FLIP.ENABLED", false, "average the features of the image and its mirror"),
        flag("TEST.RERANK.ENABLED", false, "k-reciprocal re-ranking"),
        int("TEST.RERANK.K1", 20, pos, "re-ranking k1"),
        int("TEST.RERANK.K2", 6, pos, "re-ranking k2"),
        float("TEST.RERANK.LAMBDA", 0.3, 0.0...1, "re-ranking λ"),

        // KD (ReidKD's distillation; FastReID's Distiller hard-codes T = 16 and weight 1)
        str("KD.METHOD", "none", nil, "distillation terms joined by '+': kl, skl (symmetric KL), mse, cos, rkd (distance+angle), pkt, sp, hint; none = no teacher"),
        float("KD.TEMPERATURE", 4, 0.01...1000, "softmax temperature of the logit terms"),
        float("KD.LOGIT_WEIGHT", 1, nonneg, "weight of kl / skl"),
        float("KD.EMBED_WEIGHT", 1, nonneg, "weight of mse / cos on the embedding (pre-neck feature)"),
        float("KD.RKD_DISTANCE_WEIGHT", 25, nonneg, "weight of the RKD distance term (mdistiller default 25)"),
        float("KD.RKD_ANGLE_WEIGHT", 50, nonneg, "weight of the RKD angle term (mdistiller default 50)"),
        float("KD.PKT_WEIGHT", 1, nonneg, "weight of PKT on the embedding"),
        float("KD.SP_WEIGHT", 1, nonneg, "weight of similarity-matrix matching on the embedding"),
        float("KD.HINT_WEIGHT", 1, nonneg, "weight of the FitNets hint"),
        int("KD.HINT_STAGE", 2, 0...3, "backbone stage (0-based) whose map the hint matches, for student and teacher"),
        str("KD.TEACHER_CONFIG", "", nil, "teacher config file (set by the sweep)", hashed: true),
        str("KD.TEACHER_WEIGHTS", "", nil, "teacher checkpoint (.safetensors); the sweep trains one when empty", hashed: false),
        flag("KD.CACHE", true, "cache the frozen teacher's outputs per augmented sample (logit and embedding terms only)"),

        // DATASETS and run
        strs("DATASETS.NAMES", ["Market1501"], n: 1...Int.max, "training datasets"),
        strs("DATASETS.TESTS", ["Market1501"], n: 1...Int.max, "evaluation datasets"),
        str("DATASETS.ROOT", "datasets", nil, "directory holding the datasets", hashed: false),
        int("SEED", 0, any, "seed of the one RandomGenerator (init, sampling, augmentation)"),
        str("OUTPUT_DIR", "logs", nil, "where checkpoints and logs go", hashed: false),
    ]

    /// Keys by name.
    public static let byKey: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.key, $0) })
}
