// The typed view of a resolved config that the other modules read (`config.solver.baseLR`),
// plus builders for the optimizer, LR schedule, freeze schedule and gradient clipping it
// describes. Field names mirror the keys (MODEL.BACKBONE.LAST_STRIDE → model.backbone.lastStride).
import Tensor

public struct ReidConfig: Sendable {
    public struct Backbone: Sendable {
        public var name: String, depth: Int, lastStride: Int, withIBN: Bool, withSE: Bool, width: Double
        public var zeroInitResidual: Bool
    }
    public struct Heads: Sendable {
        public var poolLayer: String, embeddingDim: Int, withBNNeck: Bool, neckFeat: String
        public var clsLayer: String, scale: Double, margin: Double, numClasses: Int
    }
    public struct Losses: Sendable {
        public var names: [String]
        public var ceEpsilon: Double, ceScale: Double
        public var triMargin: Double, triNormFeat: Bool, triHardMining: Bool, triScale: Double
        public var circleMargin: Double, circleGamma: Double, circleScale: Double
        public var cosfaceMargin: Double, cosfaceGamma: Double, cosfaceScale: Double
    }
    public struct Model: Sendable {
        public var pixelMean: [Double], pixelStd: [Double], weights: String, freezeLayers: [String]
        public var backbone: Backbone, heads: Heads, losses: Losses
    }
    public struct Input: Sendable {
        public var sizeTrain: [Int], sizeTest: [Int]
        public var flip: Bool, flipProb: Double
        public var padding: Bool, paddingSize: Int, paddingMode: String
        public var rea: Bool, reaProb: Double, reaValue: [Double]
        public var cj: Bool, cjProb: Double, cjBrightness: Double, cjContrast: Double, cjSaturation: Double, cjHue: Double
    }
    public struct Dataloader: Sendable {
        public var samplerTrain: String, numInstance: Int, numWorkers: Int
    }
    public struct Solver: Sendable {
        public var opt: String, maxEpoch: Int, baseLR: Double, momentum: Double, nesterov: Bool
        public var weightDecay: Double, weightDecayNorm: Double, weightDecayBias: Double, biasLRFactor: Double
        public var imsPerBatch: Int, sched: String, steps: [Int], gamma: Double, delayEpochs: Int, etaMinLR: Double
        public var warmupMethod: String, warmupFactor: Double, warmupIters: Int, freezeIters: Int, checkpointPeriod: Int
        public var clipEnabled: Bool, clipType: String, clipValue: Double, clipNormType: Double
    }
    public struct Test: Sendable {
        public var evalPeriod: Int, imsPerBatch: Int, metric: String, flip: Bool
        public var rerank: Bool, rerankK1: Int, rerankK2: Int, rerankLambda: Double
    }
    public struct Datasets: Sendable {
        public var names: [String], tests: [String], root: String
    }

    public var model: Model
    public var input: Input
    public var dataloader: Dataloader
    public var solver: Solver
    public var test: Test
    public var datasets: Datasets
    public var seed: Int
    public var outputDir: String
    /// The resolved key/value form (for printing, hashing and checkpoint metadata).
    public let resolved: ResolvedConfig

    public init(_ c: ResolvedConfig) {
        resolved = c
        model = Model(
            pixelMean: c.doubleList("MODEL.PIXEL_MEAN"), pixelStd: c.doubleList("MODEL.PIXEL_STD"),
            weights: c.string("MODEL.WEIGHTS"), freezeLayers: c.stringList("MODEL.FREEZE_LAYERS"),
            backbone: Backbone(name: c.string("MODEL.BACKBONE.NAME"), depth: c.int("MODEL.BACKBONE.DEPTH"),
                               lastStride: c.int("MODEL.BACKBONE.LAST_STRIDE"), withIBN: c.bool("MODEL.BACKBONE.WITH_IBN"),
                               withSE: c.bool("MODEL.BACKBONE.WITH_SE"), width: c.double("MODEL.BACKBONE.WIDTH"),
                               zeroInitResidual: c.bool("MODEL.BACKBONE.ZERO_INIT_RESIDUAL")),
            heads: Heads(poolLayer: c.string("MODEL.HEADS.POOL_LAYER"), embeddingDim: c.int("MODEL.HEADS.EMBEDDING_DIM"),
                         withBNNeck: c.bool("MODEL.HEADS.WITH_BNNECK"), neckFeat: c.string("MODEL.HEADS.NECK_FEAT"),
                         clsLayer: c.string("MODEL.HEADS.CLS_LAYER"), scale: c.double("MODEL.HEADS.SCALE"),
                         margin: c.double("MODEL.HEADS.MARGIN"), numClasses: c.int("MODEL.HEADS.NUM_CLASSES")),
            losses: Losses(names: c.stringList("MODEL.LOSSES.NAME"),
                           ceEpsilon: c.double("MODEL.LOSSES.CE.EPSILON"), ceScale: c.double("MODEL.LOSSES.CE.SCALE"),
                           triMargin: c.double("MODEL.LOSSES.TRI.MARGIN"), triNormFeat: c.bool("MODEL.LOSSES.TRI.NORM_FEAT"),
                           triHardMining: c.bool("MODEL.LOSSES.TRI.HARD_MINING"), triScale: c.double("MODEL.LOSSES.TRI.SCALE"),
                           circleMargin: c.double("MODEL.LOSSES.CIRCLE.MARGIN"), circleGamma: c.double("MODEL.LOSSES.CIRCLE.GAMMA"),
                           circleScale: c.double("MODEL.LOSSES.CIRCLE.SCALE"),
                           cosfaceMargin: c.double("MODEL.LOSSES.COSFACE.MARGIN"), cosfaceGamma: c.double("MODEL.LOSSES.COSFACE.GAMMA"),
                           cosfaceScale: c.double("MODEL.LOSSES.COSFACE.SCALE")))
        input = Input(
            sizeTrain: c.intList("INPUT.SIZE_TRAIN"), sizeTest: c.intList("INPUT.SIZE_TEST"),
            flip: c.bool("INPUT.FLIP.ENABLED"), flipProb: c.double("INPUT.FLIP.PROB"),
            padding: c.bool("INPUT.PADDING.ENABLED"), paddingSize: c.int("INPUT.PADDING.SIZE"), paddingMode: c.string("INPUT.PADDING.MODE"),
            rea: c.bool("INPUT.REA.ENABLED"), reaProb: c.double("INPUT.REA.PROB"), reaValue: c.doubleList("INPUT.REA.VALUE"),
            cj: c.bool("INPUT.CJ.ENABLED"), cjProb: c.double("INPUT.CJ.PROB"), cjBrightness: c.double("INPUT.CJ.BRIGHTNESS"),
            cjContrast: c.double("INPUT.CJ.CONTRAST"), cjSaturation: c.double("INPUT.CJ.SATURATION"), cjHue: c.double("INPUT.CJ.HUE"))
        dataloader = Dataloader(samplerTrain: c.string("DATALOADER.SAMPLER_TRAIN"), numInstance: c.int("DATALOADER.NUM_INSTANCE"),
                                numWorkers: c.int("DATALOADER.NUM_WORKERS"))
        solver = Solver(
            opt: c.string("SOLVER.OPT"), maxEpoch: c.int("SOLVER.MAX_EPOCH"), baseLR: c.double("SOLVER.BASE_LR"),
            momentum: c.double("SOLVER.MOMENTUM"), nesterov: c.bool("SOLVER.NESTEROV"),
            weightDecay: c.double("SOLVER.WEIGHT_DECAY"), weightDecayNorm: c.double("SOLVER.WEIGHT_DECAY_NORM"),
            weightDecayBias: c.double("SOLVER.WEIGHT_DECAY_BIAS"), biasLRFactor: c.double("SOLVER.BIAS_LR_FACTOR"),
            imsPerBatch: c.int("SOLVER.IMS_PER_BATCH"), sched: c.string("SOLVER.SCHED"), steps: c.intList("SOLVER.STEPS"),
            gamma: c.double("SOLVER.GAMMA"), delayEpochs: c.int("SOLVER.DELAY_EPOCHS"), etaMinLR: c.double("SOLVER.ETA_MIN_LR"),
            warmupMethod: c.string("SOLVER.WARMUP_METHOD"), warmupFactor: c.double("SOLVER.WARMUP_FACTOR"),
            warmupIters: c.int("SOLVER.WARMUP_ITERS"), freezeIters: c.int("SOLVER.FREEZE_ITERS"),
            checkpointPeriod: c.int("SOLVER.CHECKPOINT_PERIOD"),
            clipEnabled: c.bool("SOLVER.CLIP_GRADIENTS.ENABLED"), clipType: c.string("SOLVER.CLIP_GRADIENTS.CLIP_TYPE"),
            clipValue: c.double("SOLVER.CLIP_GRADIENTS.CLIP_VALUE"), clipNormType: c.double("SOLVER.CLIP_GRADIENTS.NORM_TYPE"))
        test = Test(evalPeriod: c.int("TEST.EVAL_PERIOD"), imsPerBatch: c.int("TEST.IMS_PER_BATCH"), metric: c.string("TEST.METRIC"),
                    flip: c.bool("TEST.FLIP.ENABLED"), rerank: c.bool("TEST.RERANK.ENABLED"), rerankK1: c.int("TEST.RERANK.K1"),
                    rerankK2: c.int("TEST.RERANK.K2"), rerankLambda: c.double("TEST.RERANK.LAMBDA"))
        datasets = Datasets(names: c.stringList("DATASETS.NAMES"), tests: c.stringList("DATASETS.TESTS"), root: c.string("DATASETS.ROOT"))
        seed = c.int("SEED")
        outputDir = c.string("OUTPUT_DIR")
    }

    /// Loads a file with overrides (see `ConfigLoader.load(file:overrides:)`).
    public static func load(file: String, overrides: [String] = []) throws -> ReidConfig {
        ReidConfig(try ConfigLoader.load(file: file, overrides: overrides))
    }

    /// The defaults.
    public static var defaults: ReidConfig { ReidConfig(ConfigLoader.defaults()) }
}

// MARK: Building the training machinery from the config

extension ReidConfig {
    /// Per-parameter weight decay and LR factor rules of SOLVER.*.
    public var parameterRules: ParameterGroupRules {
        ParameterGroupRules(weightDecay: Float(solver.weightDecay), weightDecayNorm: Float(solver.weightDecayNorm),
                            weightDecayBias: Float(solver.weightDecayBias), biasLRFactor: Float(solver.biasLRFactor))
    }

    /// The SOLVER.OPT optimizer over a model's named parameters (frozen ones are left out).
    public func makeOptimizer(_ named: [(String, Parameter)]) -> Optimizer {
        let params = parameterRules.apply(to: named)
        let lr = Float(solver.baseLR)
        switch solver.opt {
        case "SGD": return SGD(params, learningRate: lr, momentum: Float(solver.momentum), nesterov: solver.nesterov)
        case "AdamW": return Adam(params, learningRate: lr, decoupled: true)
        default: return Adam(params, learningRate: lr)
        }
    }

    /// The SOLVER LR schedule for `itersPerEpoch` iterations per epoch.
    public func makeSchedule(itersPerEpoch: Int) -> LRSchedule {
        let main: MainSchedule = solver.sched == "CosineAnnealingLR"
            ? .cosine(maxEpoch: solver.maxEpoch, etaMin: solver.etaMinLR)
            : .multiStep(steps: solver.steps, gamma: solver.gamma)
        return LRSchedule(baseLR: solver.baseLR, warmupMethod: WarmupMethod(rawValue: solver.warmupMethod) ?? .linear,
                          warmupFactor: solver.warmupFactor, warmupIters: solver.warmupIters,
                          delayEpochs: solver.delayEpochs, main: main, itersPerEpoch: max(1, itersPerEpoch))
    }

    /// MODEL.FREEZE_LAYERS for SOLVER.FREEZE_ITERS.
    public var freezeSchedule: FreezeSchedule {
        FreezeSchedule(prefixes: model.freezeLayers, iterations: solver.freezeIters)
    }

    /// Applies SOLVER.CLIP_GRADIENTS to the gradients of `params` (no-op when disabled).
    /// Returns the gradient norm before clipping for "norm", nil otherwise.
    @discardableResult
    public func clipGradients(_ params: [Parameter]) -> Float? {
        guard solver.clipEnabled else { return nil }
        if solver.clipType == "value" {
            GradientClipping.clipValue(params, value: Float(solver.clipValue))
            return nil
        }
        return GradientClipping.clipGlobalNorm(params, maxNorm: Float(solver.clipValue), normType: Float(solver.clipNormType))
    }
}
