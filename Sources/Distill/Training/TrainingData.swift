// Data for a run, from the config: the dataset (DATASETS.NAMES[0] under DATASETS.ROOT), the
// train-time augmentation (INPUT.*), the train sampler (DATALOADER.*) and the test loader.
// Pixel normalisation uses MODEL.PIXEL_MEAN/STD (0–255 units, as FastReID) divided by 255.
import Foundation
import Tensor
import NN
import Data

public struct TrainingData {
    public let dataset: ReidDataset
    public let trainLoader: BatchLoader
    public let testLoader: BatchLoader
    public let sampler: any BatchSampler
    public let testBatchSize: Int
    public let augmentationSeed: UInt64

    /// Dataset names map to layouts: Market1501 → market1501, DukeMTMC → dukemtmc, MSMT17 → msmt17,
    /// VeRi → veri776, generic → generic; "synthetic" is a Market-1501 layout written by `reidkd data synth`.
    public static func layoutName(_ datasetName: String) -> String {
        let n = datasetName.lowercased().replacingOccurrences(of: "-", with: "")
        switch n {
        case "synthetic", "synth", "market", "market1501": return "market1501"
        case "duke", "dukemtmc", "dukemtmcreid": return "dukemtmc"
        case "veri", "veri776": return "veri776"
        default: return n
        }
    }

    public static func loadDataset(_ c: ReidConfig) throws -> ReidDataset {
        try DatasetLayouts.load(layoutName(c.datasets.names[0]), root: c.datasets.root)
    }

    public static func augment(_ c: ReidConfig, train: Bool) -> AugmentConfig {
        let size = train ? c.input.sizeTrain : c.input.sizeTest
        var a = train ? AugmentConfig.train(height: size[0], width: size[1]) : AugmentConfig.test(height: size[0], width: size[1])
        a.mean = c.model.pixelMean.map { Float($0 / 255) }
        a.std = c.model.pixelStd.map { Float($0 / 255) }
        if train {
            a.flipProb = c.input.flip ? Float(c.input.flipProb) : 0
            a.padding = c.input.padding ? c.input.paddingSize : 0
            a.erasingProb = c.input.rea ? Float(c.input.reaProb) : 0
            a.jitterProb = c.input.cj ? Float(c.input.cjProb) : 0
            a.brightness = Float(c.input.cjBrightness); a.contrast = Float(c.input.cjContrast); a.saturation = Float(c.input.cjSaturation)
        }
        return a
    }

    public init(config c: ReidConfig, dataset: ReidDataset? = nil, cache: ImageCache = ImageCache()) throws {
        let ds = try dataset ?? TrainingData.loadDataset(c)
        self.dataset = ds
        augmentationSeed = UInt64(c.seed)
        trainLoader = BatchLoader(records: ds.train, transform: try TransformPipeline(TrainingData.augment(c, train: true), seed: augmentationSeed), cache: cache)
        testLoader = BatchLoader(records: ds.query + ds.gallery, transform: try TransformPipeline(TrainingData.augment(c, train: false)), cache: ImageCache())
        let batch = c.solver.imsPerBatch
        if c.dataloader.samplerTrain == "TrainingSampler" {
            sampler = try RandomSampler(count: ds.train.count, batchSize: batch, seed: augmentationSeed)
        } else {
            let k = c.dataloader.numInstance
            guard batch % k == 0 else {
                throw TrainError("SOLVER.IMS_PER_BATCH (\(batch)) must be a multiple of DATALOADER.NUM_INSTANCE (\(k)) for the identity sampler")
            }
            sampler = try PKSampler(pids: ds.train.map(\.pid), p: batch / k, k: k, seed: augmentationSeed)
        }
        testBatchSize = c.test.imsPerBatch
    }
}

/// A user-facing training error (bad config for this data, diverged loss, …).
public struct TrainError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
