// Evaluates a model on a dataset's query/gallery split with the TEST.* settings: eval mode,
// no-grad, optional flip TTA, the configured metric, optional re-ranking.
import Foundation
import Support
import Tensor
import Config
import NN
import Data
import Eval

public enum ModelEvaluation {

    /// Query and gallery embeddings of a test set (query rows first in its loader).
    public static func features(model: ReidModel, set: TestSet, batchSize: Int, flip: Bool) throws -> (query: Tensor, gallery: Tensor) {
        let wasTraining = model.isTraining
        _ = model.eval()
        defer { _ = model.train(wasTraining) }
        let loader = set.loader
        let batches = SequentialSampler(count: loader.records.count, batchSize: batchSize).batches(epoch: 0)
        // REIDKD_BF16=1: the eval forward on bf16 GEMMs (docs/PERFORMANCE.md, bf16 rows).
        let bf16 = BLAS.bf16Requested
        let extractor = FeatureExtractor(flip: flip, normalize: false) { x in BLAS.withBF16(bf16) { model.forward(x) } }
        var firstError: Error?
        let all = try extractor.extract(AnySequence { () -> AnyIterator<Tensor> in
            var i = 0
            return AnyIterator {
                guard i < batches.count, firstError == nil else { return nil }
                defer { i += 1 }
                do { return try loader.batch(indices: batches[i]).images } catch { firstError = error; return nil }
            }
        })
        if let e = firstError { throw e }
        let nq = set.dataset.query.count
        return (all.narrow(axis: 0, start: 0, length: nq), all.narrow(axis: 0, start: nq, length: all.shape[0] - nq))
    }

    /// The evaluation on the first test set (the run's headline numbers).
    public static func evaluate(model: ReidModel, data: TrainingData, config c: ResolvedConfig) throws -> EvalResult {
        try evaluate(model: model, data: data, config: c, rankList: false).result
    }

    /// The evaluation on the first test set and, when asked, its rank lists of the fixed report
    /// queries (same features).
    public static func evaluate(model: ReidModel, data: TrainingData, config c: ResolvedConfig,
                                rankList: Bool) throws -> (result: EvalResult, rankList: RankList?) {
        try evaluate(model: model, set: data.testSets[0], batchSize: data.testBatchSize, config: c, rankList: rankList)
    }

    /// The evaluations on the second and later test sets of DATASETS.TESTS, by name.
    public static func evaluateOthers(model: ReidModel, data: TrainingData, config c: ResolvedConfig) throws -> [(name: String, result: EvalResult)] {
        try data.testSets.dropFirst().map { set in
            (set.name, try evaluate(model: model, set: set, batchSize: data.testBatchSize, config: c, rankList: false).result)
        }
    }

    public static func evaluate(model: ReidModel, set: TestSet, batchSize: Int, config c: ResolvedConfig,
                                rankList: Bool) throws -> (result: EvalResult, rankList: RankList?) {
        let (q, g) = try features(model: model, set: set, batchSize: batchSize, flip: c[\TestKeys.flip])
        let ds = set.dataset
        let qIds = ReidIds(pids: ds.query.map(\.pid), camids: ds.query.map(\.camid))
        let gIds = ReidIds(pids: ds.gallery.map(\.pid), camids: ds.gallery.map(\.camid))
        let o = EvalOptions(config: c)
        let result = try ReidEvaluator.evaluate(query: q, gallery: g, queryIds: qIds, galleryIds: gIds, options: o)
        let lists = rankList
            ? RankList.build(query: q, gallery: g, queryPaths: ds.query.map(\.path), galleryPaths: ds.gallery.map(\.path),
                             queryIds: qIds, galleryIds: gIds, metric: o.metric)
            : nil
        return (result, lists)
    }

    /// Writes `eval.json` (the EvalResult, with the full CMC curve) and, if given, `ranklist.json`
    /// into `directory`; returns the paths written.
    public static func writeArtifacts(_ result: EvalResult, rankList: RankList?, to directory: String) throws -> [(kind: String, path: String)] {
        try FileSystem.createFolder(directory)
        var written: [(String, String)] = []
        let evalPath = "\(directory)/eval.json"
        try FileSystem.write(Data(result.json().utf8), to: evalPath)
        written.append(("eval", evalPath))
        if let r = rankList {
            let path = "\(directory)/ranklist.json"
            try FileSystem.write(r.json(), to: path)
            written.append(("ranklist", path))
        }
        return written
    }
}
