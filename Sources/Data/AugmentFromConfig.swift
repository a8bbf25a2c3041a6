// INPUT.* → AugmentConfig, and DATALOADER.* → the training sampler.
import Config

extension AugmentConfig {
    /// The training (`train`) or test augmentation of a config. `pixelMean`/`pixelStd` are
    /// MODEL.PIXEL_MEAN/STD (0–255 units, owned by the model's keys).
    public init(config c: ResolvedConfig, train: Bool, pixelMean: [Double], pixelStd: [Double]) {
        let size = train ? c[\InputKeys.sizeTrain] : c[\InputKeys.sizeTest]
        self = train ? .train(height: size[0], width: size[1]) : .test(height: size[0], width: size[1])
        mean = pixelMean.map { Float($0 / 255) }
        std = pixelStd.map { Float($0 / 255) }
        guard train else { return }
        flipProb = c[\InputKeys.flip] ? Float(c[\InputKeys.flipProb]) : 0
        if c[\InputKeys.padding] {
            padding = c[\InputKeys.paddingSize]
            paddingMode = PaddingMode(rawValue: c[\InputKeys.paddingMode]) ?? .constant
        } else {
            padding = 0
        }
        if c[\InputKeys.rea] {
            erasingProb = Float(c[\InputKeys.reaProb])
            erasingValue = c[\InputKeys.reaValue].map(Float.init)
        } else {
            erasingProb = 0
        }
        if c[\InputKeys.cj] {
            jitterProb = Float(c[\InputKeys.cjProb])
            brightness = Float(c[\InputKeys.cjBrightness]); contrast = Float(c[\InputKeys.cjContrast])
            saturation = Float(c[\InputKeys.cjSaturation]); hue = Float(c[\InputKeys.cjHue])
        } else {
            jitterProb = 0
        }
    }
}

/// The training sampler of DATALOADER.SAMPLER_TRAIN over `pids`, `batchSize` images per batch
/// (SOLVER.IMS_PER_BATCH, owned by the solver's keys).
public func makeTrainSampler(config c: ResolvedConfig, pids: [Int], batchSize: Int, seed: UInt64) throws -> any BatchSampler {
    if c[\DataloaderKeys.samplerTrain] == "TrainingSampler" {
        return try RandomSampler(count: pids.count, batchSize: batchSize, seed: seed)
    }
    let k = c[\DataloaderKeys.numInstance]
    guard batchSize % k == 0 else {
        throw DataError(.badConfig, path: "", "SOLVER.IMS_PER_BATCH (\(batchSize)) must be a multiple of DATALOADER.NUM_INSTANCE (\(k)) for the identity sampler")
    }
    return try PKSampler(pids: pids, p: batchSize / k, k: k, seed: seed)
}

extension DatasetLayouts {
    /// Layout names of DATASETS.NAMES/TESTS entries: Market1501 → market1501, DukeMTMC →
    /// dukemtmc, MSMT17 → msmt17, VeRi → veri776, generic → generic; "synthetic" is a Market-1501
    /// layout written by `reidkd data synth`.
    public static func layoutName(_ datasetName: String) -> String {
        let n = datasetName.lowercased().replacingOccurrences(of: "-", with: "")
        switch n {
        case "synthetic", "synth", "market", "market1501": return "market1501"
        case "duke", "dukemtmc", "dukemtmcreid": return "dukemtmc"
        case "veri", "veri776": return "veri776"
        default: return n
        }
    }

    /// The training dataset (DATASETS.NAMES[0] under DATASETS.ROOT).
    public static func trainingDataset(config c: ResolvedConfig) throws -> ReidDataset {
        try load(layoutName(c[\DatasetKeys.names][0]), root: c[\DatasetKeys.root])
    }

    /// DATASETS.TESTS names (the first is the one the training dataset's query/gallery answer
    /// when it names the same dataset).
    public static func testNames(config c: ResolvedConfig) -> [String] { c[\DatasetKeys.tests] }
}
