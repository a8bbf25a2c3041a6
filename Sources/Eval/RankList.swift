// Rank lists for a few fixed queries: the top-k gallery items (after removing the query's own
// same-pid-same-camera items, as the metrics do) with their distance and whether the identity
// matches. The queries are chosen by position only (evenly spaced over the query list), so every
// model evaluated on the same dataset shows the same queries — the report puts the teacher's and a
// student's lists side by side. Saved per run as `ranklist.json` (store artifact kind "ranklist").
import Foundation
import Support
import Tensor

public struct RankList: Codable, Equatable, Sendable {
    public struct Item: Codable, Equatable, Sendable {
        /// Index into the gallery (or query) list of the evaluation.
        public var index: Int
        public var path: String
        public var pid: Int
        public var camid: Int
        /// Distance to the query (0 for the query itself).
        public var distance: Double
        /// Same identity as the query (always true for the query itself).
        public var match: Bool
        public init(index: Int, path: String, pid: Int, camid: Int, distance: Double, match: Bool) {
            self.index = index; self.path = path; self.pid = pid; self.camid = camid
            self.distance = distance; self.match = match
        }
    }

    public struct Query: Codable, Equatable, Sendable {
        public var query: Item
        public var gallery: [Item]
        public init(query: Item, gallery: [Item]) { self.query = query; self.gallery = gallery }
    }

    public var k: Int
    public var metric: DistanceMetric
    public var queries: [Query]

    public init(k: Int, metric: DistanceMetric, queries: [Query]) {
        self.k = k; self.metric = metric; self.queries = queries
    }

    /// The query positions shown: `count` evenly spaced indices of `0..<numQueries`.
    public static func queryIndices(numQueries: Int, count: Int) -> [Int] {
        guard numQueries > 0, count > 0 else { return [] }
        let n = min(count, numQueries)
        return (0..<n).map { $0 * numQueries / n }
    }

    /// Builds the lists from embeddings (query (M, D), gallery (N, D)) and the items' paths and ids.
    public static func build(query: Tensor, gallery: Tensor, queryPaths: [String], galleryPaths: [String],
                             queryIds: ReidIds, galleryIds: ReidIds, metric: DistanceMetric,
                             queries count: Int = 16, k: Int = 10) -> RankList {
        precondition(query.shape[0] == queryPaths.count && gallery.shape[0] == galleryPaths.count,
                     "RankList.build: \(query.shape[0]) query rows for \(queryPaths.count) paths, \(gallery.shape[0]) gallery rows for \(galleryPaths.count) paths")
        let picked = queryIndices(numQueries: query.shape[0], count: count)
        var lists: [Query] = []
        for qi in picked {
            let row = query.narrow(axis: 0, start: qi, length: 1)
            let dist = Distance.compute(row, gallery, metric: metric)
            let qp = queryIds.pids[qi], qc = queryIds.camids[qi]
            var top = TopK(capacity: k)
            let p = dist.pointer
            for j in 0..<gallery.shape[0] where !(galleryIds.pids[j] == qp && galleryIds.camids[j] == qc) {
                top.offer(p[j], j)
            }
            let items = (0..<top.count).map { t -> Item in
                let j = Int(top.indices[t])
                return Item(index: j, path: galleryPaths[j], pid: galleryIds.pids[j], camid: galleryIds.camids[j],
                            distance: Double(top.values[t]), match: galleryIds.pids[j] == qp)
            }
            lists.append(Query(query: Item(index: qi, path: queryPaths[qi], pid: qp, camid: qc, distance: 0, match: true),
                               gallery: items))
        }
        return RankList(k: k, metric: metric, queries: lists)
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    public static func load(_ path: String) throws -> RankList {
        let fix = "re-run the evaluation to rewrite it"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalError("cannot read the rank list \(path) (missing or unreadable); \(fix)")
        }
        do { return try JSONProblem.decode(RankList.self, from: data, path: path, fix: fix) } catch {
            throw EvalError("rank list \(error)")
        }
    }
}
