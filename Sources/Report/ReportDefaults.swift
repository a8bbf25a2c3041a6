// Every default of the report in one place: which params are bookkeeping rather than
// configuration, which columns count as "best" in which direction, chart and image sizes.
import Foundation
import Store

public enum ReportDefaults {
    /// Formats written when `--format` is not given.
    public static let formats: [ReportFormat] = [.md, .html, .csv, .json]

    /// Params that never make two runs "different configurations": the seed (the whole point of
    /// grouping) and paths derived from the run's name or pointing at the teacher's checkpoint
    /// (which is not part of the config hash either). Keys ending in `.SEED` count as seeds too.
    public static let bookkeepingKeys: Set<String> = ExperimentStore.runLocalKeys.union(["SEED", "KD.TEACHER_WEIGHTS", "DATALOADER.NUM_WORKERS"])

    /// Params that make up the "backbone" factor (shown as one label, e.g. `resnet18 ×0.25`).
    public static let backboneKeys: Set<String> = ["MODEL.BACKBONE.NAME", "MODEL.BACKBONE.DEPTH", "MODEL.BACKBONE.WIDTH"]

    /// The weight keys that matter for each KD term (others are ignored in a row's label).
    public static let termWeights: [String: [String]] = [
        "kl": ["KD.TEMPERATURE", "KD.LOGIT_WEIGHT"], "skl": ["KD.TEMPERATURE", "KD.LOGIT_WEIGHT"],
        "mse": ["KD.EMBED_WEIGHT"], "cos": ["KD.EMBED_WEIGHT"],
        "rkd": ["KD.RKD_DISTANCE_WEIGHT", "KD.RKD_ANGLE_WEIGHT"], "pkt": ["KD.PKT_WEIGHT"],
        "sp": ["KD.SP_WEIGHT"], "hint": ["KD.HINT_WEIGHT", "KD.HINT_STAGE"],
    ]

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
