import ArgumentParser
import Eval
import Foundation

struct EvalFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-features",
        abstract: "Evaluate query/gallery embeddings computed anywhere (NumPy .npy + pid,camid CSV).",
        discussion: "Market-1501 protocol: CMC (R1/R5/R10), mAP, mINP and TPR@FPR; optional α-QE and k-reciprocal re-ranking.")

    @Option(help: "Query embeddings, 2-D float32/float64 .npy (Q × D).") var query: String
    @Option(help: "Gallery embeddings, 2-D float32/float64 .npy (G × D).") var gallery: String
    @Option(help: "CSV with 'pid,camid' per query row.") var queryIds: String
    @Option(help: "CSV with 'pid,camid' per gallery row.") var galleryIds: String
    @Option(help: "Distance: cosine or euclidean (squared).") var metric: String = EvalDefaults.metric.rawValue
    @Flag(help: "k-reciprocal re-ranking (k1 20, k2 6, λ 0.3).") var rerank = false
    @Flag(help: "α-query expansion (k 5, α 3) before computing distances.") var qe = false
    @Flag(help: "Print the result as JSON instead of a table.") var json = false
    @Option(help: "Name shown in the table's Dataset column.") var name = "features"

    func run() throws {
        let options = EvalOptions(metric: try DistanceMetric.parse(metric),
                                  rerank: rerank ? ReRankOptions() : nil,
                                  queryExpansion: qe ? QueryExpansionOptions() : nil)
        let result = try ReidEvaluator.evaluate(
            query: try Npy.read(query), gallery: try Npy.read(gallery),
            queryIds: try ReidIds.readCSV(queryIds), galleryIds: try ReidIds.readCSV(galleryIds),
            options: options,
            names: EvalInputNames(query: query, gallery: gallery, queryIds: queryIds, galleryIds: galleryIds))
        print(json ? result.json() : result.table(dataset: name), terminator: json ? "\n" : "")
    }
}
