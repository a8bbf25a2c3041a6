// TEST.* keys: when and how a model is evaluated, read by `EvalOptions(config:)` and the
// feature extraction (flip TTA, batch size); TEST.EVAL_PERIOD is read by the trainer.
// Defaults are FastReID's (EvalDefaults.swift holds the module's other defaults).
import Config

public struct TestKeys: ConfigKeyGroup {
    public init() {}
    public let evalPeriod = Key.int("TEST.EVAL_PERIOD", 20, KeyRange.positive, "epochs between evaluations (and at the end)")
    public let imsPerBatch = Key.int("TEST.IMS_PER_BATCH", 128, KeyRange.positive, "evaluation batch size")
    public let metric = Key.string("TEST.METRIC", "cosine", ["cosine", "euclidean"], "query–gallery distance")
    public let flip = Key.flag("TEST.FLIP.ENABLED", false, "average the features of the image and its mirror")
    public let rerank = Key.flag("TEST.RERANK.ENABLED", false, "k-reciprocal re-ranking")
    public let rerankK1 = Key.int("TEST.RERANK.K1", EvalDefaults.rerankK1, KeyRange.positive, "re-ranking k1")
    public let rerankK2 = Key.int("TEST.RERANK.K2", EvalDefaults.rerankK2, KeyRange.positive, "re-ranking k2")
    public let rerankLambda = Key.float("TEST.RERANK.LAMBDA", 0.3, 0.0...1, "re-ranking λ")
}

extension EvalOptions {
    /// TEST.METRIC and TEST.RERANK.* (re-ranking keys are read only when it is enabled).
    public init(config c: ResolvedConfig) {
        self.init(metric: c[\TestKeys.metric] == "euclidean" ? .euclidean : .cosine)
        if c[\TestKeys.rerank] {
            rerank = ReRankOptions(k1: c[\TestKeys.rerankK1], k2: c[\TestKeys.rerankK2], lambda: Float(c[\TestKeys.rerankLambda]))
        }
    }
}
