// Evaluates a model on a dataset's query/gallery split with the TEST.* settings: eval mode,
// no-grad, optional flip TTA, the configured metric, optional re-ranking.
import Foundation
import Support
import Tensor
import NN
import Data
import Eval

public enum ModelEvaluation {
    public static func options(_ c: ReidConfig) -> EvalOptions {
        var o = EvalOptions(metric: c.test.metric == "euclidean" ? .euclidean : .cosine)
        if c.test.rerank { o.rerank = ReRankOptions(k1: c.test.rerankK1, k2: c.test.rerankK2, lambda: Float(c.test.rerankLambda)) }
        return o
    }

    /// Query and gallery embeddings (query rows first in `data.testLoader`).
    public static func features(model: ReidModel, data: TrainingData, flip: Bool) throws -> (query: Tensor, gallery: Tensor) {
        let wasTraining = model.isTraining
        _ = model.eval()
        defer { _ = model.train(wasTraining) }
        let loader = data.testLoader
        let batches = SequentialSampler(count: loader.records.count, batchSize: data.testBatchSize).batches(epoch: 0)
        let extractor = FeatureExtractor(flip: flip, normalize: false) { model.forward($0) }
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
        let nq = data.dataset.query.count
        return (all.narrow(axis: 0, start: 0, length: nq), all.narrow(axis: 0, start: nq, length: all.shape[0] - nq))
    }

    public static func evaluate(model: ReidModel, data: TrainingData, config c: ReidConfig) throws -> EvalResult {
        try evaluate(model: model, data: data, config: c, rankList: false).result
    }

    /// The evaluation and, when asked, the rank lists of the fixed report queries (same features).
    public static func evaluate(model: ReidModel, data: TrainingData, config c: ReidConfig,
                                rankList: Bool) throws -> (result: EvalResult, rankList: RankList?) {
        let (q, g) = try features(model: model, data: data, flip: c.test.flip)
        let ds = data.dataset
        let qIds = ReidIds(pids: ds.query.map(\.pid), camids: ds.query.map(\.camid))
        let gIds = ReidIds(pids: ds.gallery.map(\.pid), camids: ds.gallery.map(\.camid))
        let o = options(c)
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
