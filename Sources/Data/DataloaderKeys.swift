// DATALOADER.* keys (the training sampler and the decoding threads) and DATASETS.* keys (which
// datasets train and evaluate, and where they are), read by SamplerFromConfig.swift,
// `BatchLoader` and `DatasetLayouts.load(config:)`.
import Config

public struct DataloaderKeys: ConfigKeyGroup {
    public init() {}
    public let samplerTrain = Key.string("DATALOADER.SAMPLER_TRAIN", "NaiveIdentitySampler", ["TrainingSampler", "NaiveIdentitySampler"], "training sampler: TrainingSampler = random batches, NaiveIdentitySampler = P identities × K images")
    public let numInstance = Key.int("DATALOADER.NUM_INSTANCE", 4, KeyRange.positive, "K images per identity in a P×K batch")
    public let numWorkers = Key(ConfigKey(key: "DATALOADER.NUM_WORKERS", type: .int(KeyRange.positive), defaultValue: .int(2),
        doc: "threads that decode and augment a batch while the previous one trains (at most REIDKD_THREADS); batches are the same for any value",
        hashed: false)) as Key<Int>
}

public struct DatasetKeys: ConfigKeyGroup {
    public init() {}
    public let names = Key.strings("DATASETS.NAMES", ["Market1501"], n: 1...1, "training dataset (one; FastReID may combine several)")
    public let tests = Key.strings("DATASETS.TESTS", ["Market1501"], n: 1...Int.max, "evaluation datasets: each is evaluated and recorded (summary keys of the second and later ones are suffixed @NAME)")
    public let root = Key.string("DATASETS.ROOT", "datasets", nil, "the dataset folder, or a folder holding the datasets' usual top folders", hashed: false)
}
