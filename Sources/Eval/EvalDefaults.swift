// Every default of the Eval module, in one place (FastReID's TEST.* defaults where one exists).

public enum EvalDefaults {
    /// TEST.METRIC: FastReID evaluates with cosine distance by default.
    public static let metric: DistanceMetric = .cosine
    /// CMC is reported up to this rank (torchreid/FastReID `max_rank`).
    public static let maxRank = 50
    /// FPR targets of the ROC summary (TEST.ROC).
    public static let rocFPRs: [Double] = [1e-4, 1e-3, 1e-2]
    /// TEST.RERANK.K1 / K2 / LAMBDA (Zhong et al. 2017); the keys in TestKeys.swift default to these.
    public static let rerankK1 = 20
    public static let rerankK2 = 6
    public static let rerankLambda: Float = 0.3
    /// TEST.AQE.QE_K (neighbours, the item itself included), ALPHA, QE_TIME.
    public static let qeK = 5
    public static let qeAlpha: Float = 3
    public static let qeTimes = 1
}
