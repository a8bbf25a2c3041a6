// KD.* keys of the distillation as a whole (which terms, which teacher, whether to cache its
// outputs), read by `KDConfig(config:)` and `Teacher.named(by:)`; each term's own keys live in
// its file under Terms/. And the run-level keys SEED and OUTPUT_DIR, read by the trainer.
import Config

public struct KDKeys: ConfigKeyGroup {
    public init() {}
    public let method = Key.string("KD.METHOD", "none", nil, "distillation terms joined by '+': \(DistillTerms.helpText); none = no teacher")
    public let teacher = Key.string("KD.TEACHER", "given", ["given", "ema"], "the teacher: given = KD.TEACHER_CONFIG/WEIGHTS (or the sweep's teacher stage); ema = a moving average of the student itself (mean-teacher self-distillation)")
    public let emaDecay = Key.float("KD.EMA_DECAY", 0.999, 0.0...1, "KD.TEACHER ema: decay d of θ_T ← d·θ_T + (1 − d)·θ_S per step")
    public let teacherConfig = Key.string("KD.TEACHER_CONFIG", "", nil, "teacher config file (set by the sweep); empty: the config the KD.TEACHER_WEIGHTS checkpoint carries (reidkd train, sweep and import write it)")
    public let teacherMix = Key.strings("KD.TEACHER_MIX", [], n: KeyRange.any, "set by a sweep with `teachers:` or `assistant:`: the sweep's runs this run distils from, as RUN=WEIGHT (outputs combined by weight); empty = the one teacher above")
    public let teacherWeights = Key.string("KD.TEACHER_WEIGHTS", "", nil, "teacher checkpoint (.safetensors); the sweep trains one when empty", hashed: false)
    public let cache = Key.flag("KD.CACHE", true, "cache the frozen teacher's outputs per augmented sample (terms that need only logits and embeddings)")
}

public struct RunKeys: ConfigKeyGroup {
    public init() {}
    public let seed = Key.int("SEED", 0, KeyRange.any, "seed of the one RandomGenerator (init, sampling, augmentation)")
    public let outputDir = Key.string("OUTPUT_DIR", "logs", nil, "where checkpoints, the log and the evaluation files of `reidkd train` go", hashed: false)
}
