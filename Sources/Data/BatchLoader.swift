// The batch loader: decodes, resizes and augments the images of a batch in parallel over the
// cores (Parallel.forRange), keeps resized images in a bounded in-memory cache, and prepares the
// next batch on a background thread while the caller trains on the current one.
import Dispatch
import Foundation
import Tensor

/// One batch: images NCHW float32 plus labels.
public struct Batch: @unchecked Sendable {
    public var images: Tensor
    public var pids: [Int]
    public var camids: [Int]
    /// Dataset indices of the images.
    public var indices: [Int]
    /// Augmentation keys: sample i used RandomGenerator(seed:, key: [epoch, sampleIndices[i]]).
    public var epoch: Int
    public var sampleIndices: [Int]
}

/// Resized images by dataset index, up to `capacityBytes` (then new images are not cached).
public final class ImageCache: @unchecked Sendable {
    public let capacityBytes: Int
    private var images: [Int: RGBImage] = [:]
    private var bytes = 0
    private let lock = NSLock()
    public private(set) var hits = 0, misses = 0

    public init(capacityBytes: Int = 512 << 20) { self.capacityBytes = capacityBytes }

    public var usedBytes: Int { lock.lock(); defer { lock.unlock() }; return bytes }

    func get(_ i: Int) -> RGBImage? {
        lock.lock(); defer { lock.unlock() }
        if let img = images[i] { hits += 1; return img }
        misses += 1
        return nil
    }

    func put(_ i: Int, _ img: RGBImage) {
        lock.lock(); defer { lock.unlock() }
        if images[i] == nil && bytes + img.byteCount <= capacityBytes { images[i] = img; bytes += img.byteCount }
    }
}

public final class BatchLoader: @unchecked Sendable {
    public let records: [ImageRecord]
    public let transform: TransformPipeline
    public let cache: ImageCache
    /// Threads that decode and augment one batch [DATALOADER.NUM_WORKERS], at most
    /// `Parallel.threads`. Every sample is a function of its own key, so batches do not depend on it.
    public let threads: Int

    public init(records: [ImageRecord], transform: TransformPipeline, cache: ImageCache = ImageCache(), threads: Int = .max) {
        self.records = records
        self.transform = transform
        self.cache = cache
        self.threads = max(1, threads)
    }

    /// The resized image of record `i` (from the cache, or decoded and cached).
    public func image(_ i: Int) throws -> RGBImage {
        if let img = cache.get(i) { return img }
        let img = transform.resize(try ImageIO.load(records[i].path))
        cache.put(i, img)
        return img
    }

    /// Builds one batch synchronously (parallel over the workers). Sample j of the batch is
    /// augmented with key (epoch, firstSample + j).
    public func batch(indices: [Int], epoch: Int = 0, firstSample: Int = 0) throws -> Batch {
        let n = indices.count, per = transform.sampleCount
        let t = Tensor.empty([n, 3, transform.config.height, transform.config.width])
        let failures = FailureBox()
        let dst = t.pointer
        Parallel.forRange(n, maxParts: threads) { range in
            for j in range where !failures.failed {
                do {
                    let img = try image(indices[j])
                    transform.apply(img, epoch: epoch, sampleIndex: firstSample + j, into: dst + j * per)
                } catch { failures.record(error) }
            }
        }
        if let e = failures.first { throw e }
        return Batch(images: t, pids: indices.map { records[$0].pid }, camids: indices.map { records[$0].camid },
                     indices: indices, epoch: epoch, sampleIndices: Array(firstSample..<(firstSample + n)))
    }

    /// Iterates over one epoch of `sampler`, preparing batch b+1 in the background while the
    /// caller works on batch b. Sample indices run 0, 1, 2, … across the epoch.
    public func epoch(_ epoch: Int, sampler: any BatchSampler, prefetch: Bool = true) -> BatchIterator {
        BatchIterator(loader: self, batches: sampler.batches(epoch: epoch), epoch: epoch, prefetch: prefetch)
    }
}

public final class BatchIterator: @unchecked Sendable {
    let loader: BatchLoader
    public let batches: [[Int]]
    public let epoch: Int
    let prefetch: Bool
    private var nextIndex = 0
    private var offsets: [Int] = []
    private var pending: (DispatchSemaphore, ResultBox)?

    final class ResultBox: @unchecked Sendable { var result: Result<Batch, Error>? }

    init(loader: BatchLoader, batches: [[Int]], epoch: Int, prefetch: Bool) {
        self.loader = loader
        self.batches = batches
        self.epoch = epoch
        self.prefetch = prefetch
        var o = 0
        for b in batches { offsets.append(o); o += b.count }
    }

    public var count: Int { batches.count }
    /// Index of the batch `next()` returns next.
    public var position: Int { nextIndex }

    /// Sample positions (augmentation keys) of batch `b` within the epoch.
    public func samples(ofBatch b: Int) -> [Int] { Array(offsets[b]..<(offsets[b] + batches[b].count)) }

    /// Batch `b` of the epoch, built now (bit-identical to what `next()` returns for it): for a
    /// look ahead, such as a teacher cache filling a later batch.
    public func batch(at b: Int) throws -> Batch { try build(b) }

    /// The next batch, or nil at the end of the epoch. Errors (e.g. a corrupt image) name the file.
    public func next() throws -> Batch? {
        guard nextIndex < batches.count else { return nil }
        let result: Result<Batch, Error>
        if let (sem, box) = pending {
            sem.wait()
            result = box.result!
            pending = nil
        } else {
            result = Result { try build(nextIndex) }
        }
        nextIndex += 1
        if prefetch && nextIndex < batches.count { start(nextIndex) }
        return try result.get()
    }

    private func build(_ b: Int) throws -> Batch {
        try loader.batch(indices: batches[b], epoch: epoch, firstSample: offsets[b])
    }

    private func start(_ b: Int) {
        let sem = DispatchSemaphore(value: 0), box = ResultBox()
        pending = (sem, box)
        DispatchQueue.global().async { [self] in
            box.result = Result { try build(b) }
            sem.signal()
        }
    }

    deinit {
        // Do not leave a background build writing into a loader nobody reads.
        pending?.0.wait()
    }
}
