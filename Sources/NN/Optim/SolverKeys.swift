// SOLVER.* keys, read by the optimizer, schedule, freeze and clipping builders
// (Optim/SolverFromConfig.swift) and by the trainer. FastReID's names and defaults unless the
// help says otherwise.
import Config

public struct SolverKeys: ConfigKeyGroup {
    public init() {}
    public let opt = Key.string("SOLVER.OPT", "Adam", ["SGD", "Adam", "AdamW"], "optimizer")
    public let maxEpoch = Key.int("SOLVER.MAX_EPOCH", 120, KeyRange.positive, "training epochs")
    public let baseLR = Key.float("SOLVER.BASE_LR", 3e-4, 0.0...10, "base learning rate")
    public let momentum = Key.float("SOLVER.MOMENTUM", 0.9, 0.0...0.9999, "SGD momentum")
    public let nesterov = Key.flag("SOLVER.NESTEROV", false, "Nesterov momentum (SGD)")
    public let weightDecay = Key.float("SOLVER.WEIGHT_DECAY", 5e-4, 0.0...1, "weight decay of conv/linear weights")
    public let weightDecayNorm = Key.float("SOLVER.WEIGHT_DECAY_NORM", 5e-4, 0.0...1, "weight decay of norm scales and other rank-1 parameters")
    public let weightDecayBias = Key.float("SOLVER.WEIGHT_DECAY_BIAS", 5e-4, 0.0...1, "weight decay of biases (FastReID: = WEIGHT_DECAY)")
    public let biasLRFactor = Key.float("SOLVER.BIAS_LR_FACTOR", 1.0, 0.0...100, "LR multiplier of biases")
    public let imsPerBatch = Key.int("SOLVER.IMS_PER_BATCH", 64, KeyRange.positive, "training batch size")
    public let sched = Key.string("SOLVER.SCHED", "MultiStepLR", ["MultiStepLR", "CosineAnnealingLR"], "main LR schedule (per epoch)")
    public let steps = Key.ints("SOLVER.STEPS", [30, 55], KeyRange.positive, n: KeyRange.any, "MultiStepLR: epochs where the LR is multiplied by GAMMA")
    public let gamma = Key.float("SOLVER.GAMMA", 0.1, 0.0...1, "MultiStepLR decay factor")
    public let delayEpochs = Key.int("SOLVER.DELAY_EPOCHS", 0, KeyRange.any, "epochs before the main schedule starts")
    public let etaMinLR = Key.float("SOLVER.ETA_MIN_LR", 1e-7, 0.0...10, "CosineAnnealingLR: final LR")
    public let warmupMethod = Key.string("SOLVER.WARMUP_METHOD", "linear", ["linear", "constant"], "warm-up factor shape")
    public let warmupFactor = Key.float("SOLVER.WARMUP_FACTOR", 0.1, 0.0...1, "LR factor at iteration 0 of the warm-up")
    public let warmupIters = Key.int("SOLVER.WARMUP_ITERS", 1000, KeyRange.any, "warm-up iterations")
    public let freezeIters = Key.int("SOLVER.FREEZE_ITERS", 0, KeyRange.any, "iterations during which MODEL.FREEZE_LAYERS are not updated")
    public let checkpointPeriod = Key(ConfigKey(key: "SOLVER.CHECKPOINT_PERIOD", type: .int(KeyRange.positive), defaultValue: .int(1),
        doc: "epochs between checkpoints (and at the end); a resume restarts from the last one (FastReID 20; ours 1, so a kill costs at most one epoch)",
        hashed: false)) as Key<Int>
    public let clipEnabled = Key.flag("SOLVER.CLIP_GRADIENTS.ENABLED", false, "gradient clipping")
    public let clipType = Key.string("SOLVER.CLIP_GRADIENTS.CLIP_TYPE", "norm", ["norm", "value"], "norm: global norm over all parameters; value: per element")
    public let clipValue = Key.float("SOLVER.CLIP_GRADIENTS.CLIP_VALUE", 5.0, 1e-12...1e6, "maximum norm or absolute value")
    public let clipNormType = Key.float("SOLVER.CLIP_GRADIENTS.NORM_TYPE", 2.0, 1.0...Double.infinity, "p of the p-norm")

    public static func validate(_ c: ResolvedConfig) throws {
        let steps = c.peek(\SolverKeys.steps)
        if steps != steps.sorted() { throw ConfigError("SOLVER.STEPS must be increasing, got \(steps)") }
        if c.peek(\SolverKeys.opt) == "SGD" && c.peek(\SolverKeys.nesterov) && c.peek(\SolverKeys.momentum) == 0 {
            throw ConfigError("SOLVER.NESTEROV needs SOLVER.MOMENTUM > 0")
        }
    }
}
