// KD.* keys (ReidKD's distillation; FastReID's Distiller hard-codes T = 16 and weight 1), read
// by `KDConfig(config:)`, and the run-level keys SEED and OUTPUT_DIR, read by the trainer.
import Config

public struct KDKeys: ConfigKeyGroup {
    public init() {}
    public let method = Key.string("KD.METHOD", "none", nil, "distillation terms joined by '+': kl, skl (symmetric KL), mse, cos, rkd (distance+angle), pkt, sp, hint; none = no teacher")
    public let temperature = Key.float("KD.TEMPERATURE", 4, 0.01...1000, "softmax temperature of the logit terms")
    public let logitWeight = Key.float("KD.LOGIT_WEIGHT", 1, KeyRange.nonNegative, "weight of kl / skl")
    public let embedWeight = Key.float("KD.EMBED_WEIGHT", 1, KeyRange.nonNegative, "weight of mse / cos on the embedding (pre-neck feature)")
    public let rkdDistanceWeight = Key.float("KD.RKD_DISTANCE_WEIGHT", 25, KeyRange.nonNegative, "weight of the RKD distance term (mdistiller default 25)")
    public let rkdAngleWeight = Key.float("KD.RKD_ANGLE_WEIGHT", 50, KeyRange.nonNegative, "weight of the RKD angle term (mdistiller default 50)")
    public let pktWeight = Key.float("KD.PKT_WEIGHT", 1, KeyRange.nonNegative, "weight of PKT on the embedding")
    public let spWeight = Key.float("KD.SP_WEIGHT", 1, KeyRange.nonNegative, "weight of similarity-matrix matching on the embedding")
    public let hintWeight = Key.float("KD.HINT_WEIGHT", 1, KeyRange.nonNegative, "weight of the FitNets hint")
    public let hintStage = Key.int("KD.HINT_STAGE", 2, 0...3, "backbone stage (0-based) whose map the hint matches, for student and teacher")
    public let teacherConfig = Key.string("KD.TEACHER_CONFIG", "", nil, "teacher config file (set by the sweep); empty: the config the KD.TEACHER_WEIGHTS checkpoint carries (reidkd train, sweep and import write it)")
    public let teacherWeights = Key.string("KD.TEACHER_WEIGHTS", "", nil, "teacher checkpoint (.safetensors); the sweep trains one when empty", hashed: false)
    public let cache = Key.flag("KD.CACHE", true, "cache the frozen teacher's outputs per augmented sample (logit and embedding terms only)")
}

public struct RunKeys: ConfigKeyGroup {
    public init() {}
    public let seed = Key.int("SEED", 0, KeyRange.any, "seed of the one RandomGenerator (init, sampling, augmentation)")
    public let outputDir = Key.string("OUTPUT_DIR", "logs", nil, "where checkpoints, the log and the evaluation files of `reidkd train` go", hashed: false)
}
