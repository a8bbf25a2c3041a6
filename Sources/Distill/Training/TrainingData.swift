// Data for a run, from the config: the dataset (DATASETS.NAMES[0] under DATASETS.ROOT), the
// train-time augmentation (INPUT.*), the train sampler (DATALOADER.*) and one test set per
// DATASETS.TESTS entry (the training dataset's own query/gallery when it names the same
// dataset). Pixel normalisation uses MODEL.PIXEL_MEAN/STD (0–255 units, as FastReID) / 255.
import Foundation
import Tensor
import Config
import NN
import Data
import Eval

/// One evaluation dataset: its query and gallery and a loader over query + gallery (in that order).
public struct TestSet {
    /// The DATASETS.TESTS entry.
    public let name: String
    public let dataset: ReidDataset
    public let loader: BatchLoader
}

public struct TrainingData {
    public let dataset: ReidDataset
    public let trainLoader: BatchLoader
    /// One per DATASETS.TESTS entry; the first is the run's headline evaluation.
    public let testSets: [TestSet]
    public var testLoader: BatchLoader { testSets[0].loader }
    public let sampler: any BatchSampler
    public let testBatchSize: Int
    public let augmentationSeed: UInt64

    public static func loadDataset(_ c: ResolvedConfig) throws -> ReidDataset {
        try DatasetLayouts.trainingDataset(config: c)
    }

    /// The train or test augmentation of a config (INPUT.* with MODEL.PIXEL_MEAN/STD).
    public static func augment(_ c: ResolvedConfig, train: Bool) -> AugmentConfig {
        AugmentConfig(config: c, train: train, pixelMean: c[\ModelKeys.pixelMean], pixelStd: c[\ModelKeys.pixelStd])
    }

    /// `forTraining: false` (a teacher that is only evaluated) builds no train sampler, so the
    /// config's batch keys need not fit the data.
    public init(config c: ResolvedConfig, dataset: ReidDataset? = nil, cache: ImageCache = ImageCache(), forTraining: Bool = true) throws {
        let ds = try dataset ?? TrainingData.loadDataset(c)
        self.dataset = ds
        augmentationSeed = UInt64(c[\RunKeys.seed])
        let threads = c[\DataloaderKeys.numWorkers]
        trainLoader = BatchLoader(records: ds.train, transform: try TransformPipeline(TrainingData.augment(c, train: true), seed: augmentationSeed),
                                  cache: cache, threads: threads)
        let testTransform = try TransformPipeline(TrainingData.augment(c, train: false))
        let trainLayout = DatasetLayouts.layoutName(c[\DatasetKeys.names][0])
        var sets: [TestSet] = []
        for name in c[\DatasetKeys.tests] {
            let layout = DatasetLayouts.layoutName(name)
            let tds = layout == trainLayout ? ds : try DatasetLayouts.load(layout, root: c[\DatasetKeys.root])
            sets.append(TestSet(name: name, dataset: tds,
                                loader: BatchLoader(records: tds.query + tds.gallery, transform: testTransform, cache: ImageCache(), threads: threads)))
        }
        testSets = sets
        sampler = forTraining
            ? try makeTrainSampler(config: c, pids: ds.train.map(\.pid), batchSize: c[\SolverKeys.imsPerBatch], seed: augmentationSeed)
            : NoBatches()
        testBatchSize = c[\TestKeys.imsPerBatch]
    }
}

/// The sampler of data that is only evaluated.
struct NoBatches: BatchSampler {
    func batches(epoch: Int) -> [[Int]] { [] }
}

/// A user-facing training error (bad config for this data, diverged loss, …).
public struct TrainError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
