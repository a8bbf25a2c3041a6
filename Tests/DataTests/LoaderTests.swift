// The batch loader: shapes and labels, prefetching gives the same batches, the cache, errors.
import XCTest
import Tensor
@testable import Data

final class LoaderTests: XCTestCase {
    func dataset() throws -> (TempDir, ReidDataset) {
        let d = TempDir()
        try SynthGenerator(SynthTests.tiny()).write(to: d.path)
        return (d, try DatasetLayouts.load("market1501", root: d.path))
    }

    func testBatchesShapesLabelsAndPrefetchEquality() throws {
        let (dir, ds) = try dataset()
        defer { withExtendedLifetime(dir) {} }
        let t = try TransformPipeline(.train(height: 16, width: 8), seed: 7)
        let loader = BatchLoader(records: ds.train, transform: t)
        let sampler = try PKSampler(pids: ds.train.map(\.pid), p: 2, k: 2, seed: 1)
        var a: [Batch] = [], b: [Batch] = []
        let it = loader.epoch(0, sampler: sampler)
        while let batch = try it.next() { a.append(batch) }
        let it2 = BatchLoader(records: ds.train, transform: t).epoch(0, sampler: sampler, prefetch: false)
        while let batch = try it2.next() { b.append(batch) }
        XCTAssertEqual(a.count, sampler.batchesPerEpoch)
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.images.shape, [4, 3, 16, 8])
            XCTAssertEqual(x.images.scalars, y.images.scalars)
            XCTAssertEqual(x.pids, x.indices.map { ds.train[$0].pid })
            XCTAssertEqual(x.camids, x.indices.map { ds.train[$0].camid })
        }
        XCTAssertEqual(a.flatMap(\.sampleIndices), Array(0..<(4 * a.count)))
        // A sample equals the transform applied directly with its key.
        let img = t.resize(try ImageIO.load(ds.train[a[1].indices[2]].path))
        let direct = t.tensor(img, epoch: 0, sampleIndex: a[1].sampleIndices[2]).scalars
        XCTAssertEqual(Array(a[1].images.scalars[(2 * 384)..<(3 * 384)]), direct)
    }

    func testCacheServesRepeatsAndRespectsCap() throws {
        let (dir, ds) = try dataset()
        defer { withExtendedLifetime(dir) {} }
        let t = try TransformPipeline(.test(height: 16, width: 8))
        let loader = BatchLoader(records: ds.train, transform: t)
        let seq = SequentialSampler(count: ds.train.count, batchSize: 5)
        for e in 0..<2 { let it = loader.epoch(e, sampler: seq); while try it.next() != nil {} }
        XCTAssertEqual(loader.cache.misses, ds.train.count)
        XCTAssertEqual(loader.cache.hits, ds.train.count)
        XCTAssertEqual(loader.cache.usedBytes, ds.train.count * 16 * 8 * 3)
        let small = BatchLoader(records: ds.train, transform: t, cache: ImageCache(capacityBytes: 16 * 8 * 3 * 2))
        _ = try small.batch(indices: Array(0..<6))
        XCTAssertEqual(small.cache.usedBytes, 16 * 8 * 3 * 2)
    }

    func testCorruptImageErrorNamesFile() throws {
        let (dir, ds) = try dataset()
        defer { withExtendedLifetime(dir) {} }
        _ = FileManager.default.createFile(atPath: ds.train[3].path, contents: Data(PNGCodec.signature + [0, 0, 0, 13, 73, 72]))
        let loader = BatchLoader(records: ds.train, transform: try TransformPipeline(.test(height: 16, width: 8)))
        assertDataError(.corruptImage, naming: ds.train[3].path) { try loader.batch(indices: [0, 3, 5]) }
        let it = loader.epoch(0, sampler: SequentialSampler(count: ds.train.count, batchSize: 4))
        assertDataError(.corruptImage, naming: ds.train[3].path) { try it.next() }
    }
}
