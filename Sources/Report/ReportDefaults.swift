// Every default of the report in one place: which params are bookkeeping rather than
// configuration, which columns count as "best" in which direction, chart and image sizes.
import Foundation
import Store
import Config
import NN
import Distill

public enum ReportDefaults {
    /// Formats written when `--format` is not given.
    public static let formats: [ReportFormat] = [.md, .html, .csv, .json]

    /// Params that never make two runs "different configurations": the seed (the whole point of
    /// grouping), paths derived from the run's name, and every key the config hash leaves out
    /// (output and data folders, the teacher's checkpoint path, threads, checkpoint period).
    /// Keys ending in `.SEED` count as seeds too.
    public static var bookkeepingKeys: Set<String> {
        ExperimentStore.runLocalKeys.union([RunKeys.shared.seed.name]).union(RunConfig.schema.keys.filter { !$0.hashed }.map(\.key))
    }

    /// Params that make up the "backbone" factor (shown as one label, e.g. `resnet18 ×0.25`).
    public static let backboneKeys: Set<String> = [ModelKeys.shared.backboneName.name, ModelKeys.shared.depth.name, ModelKeys.shared.width.name]

    /// KD.METHOD's key.
    public static let methodKey = KDKeys.shared.method.name

    /// The keys that tell two runs of a KD term apart (the term registry's report keys).
    public static func termWeights(_ term: String) -> [String] { DistillTerms.entry(named: term)?.reportKeys ?? [] }

    /// How many rank-list queries get a PNG (evenly spaced over the stored list).
    public static let rankListQueries = 8
    /// Height of one image cell in the rank-list PNGs (synthetic person crops are 64×32: shown at
    /// 2×). The width follows the dataset's aspect ratio (RankListSheet); `cellWidth` is the width
    /// used when no image of a row can be read.
    public static let cellHeight = 128
    public static let cellWidth = 64
    /// Frame width (pixels) around each gallery image: green = same identity, red = different.
    public static let frameWidth = 4

    /// Chart size in SVG user units (= CSS pixels).
    public static let chartWidth = 520.0
    public static let chartHeight = 320.0
    public static let smallChartWidth = 300.0
    public static let smallChartHeight = 190.0
}
