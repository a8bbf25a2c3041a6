// Sampler properties: P×K batches with K per identity, FastReID's epoch length, determinism.
import XCTest
import Tensor
@testable import Data

final class SamplerTests: XCTestCase {
    // 12 identities with 1…9 images each.
    let pids: [Int] = (0..<12).flatMap { p in Array(repeating: p * 10, count: 1 + (p * 5) % 9) }

    func testEveryBatchIsPTimesK() throws {
        let s = try PKSampler(pids: pids, p: 4, k: 3, seed: 1)
        XCTAssertEqual(s.batchesPerEpoch, pids.count / 12)
        for e in 0..<5 {
            let batches = s.batches(epoch: e)
            XCTAssertEqual(batches.count, s.batchesPerEpoch)
            for b in batches {
                XCTAssertEqual(b.count, 12)
                var counts: [Int: Int] = [:]
                for i in b { counts[pids[i], default: 0] += 1 }
                XCTAssertEqual(counts.count, 4)
                XCTAssertTrue(counts.values.allSatisfy { $0 == 3 }, "\(counts)")
                // Consecutive groups of K belong to one identity.
                for g in stride(from: 0, to: 12, by: 3) { XCTAssertEqual(Set(b[g..<(g + 3)].map { pids[$0] }).count, 1) }
            }
        }
    }

    func testPassDoesNotRepeatImagesOfLargeIdentities() throws {
        let s = try PKSampler(pids: pids, p: 2, k: 2, seed: 9)
        var rng = RandomGenerator(seed: 5)
        var seen = Set<Int>()
        for b in s.onePass(&rng) {
            for i in b where pids.filter({ $0 == pids[i] }).count >= 2 { XCTAssertTrue(seen.insert(i).inserted, "image \(i) repeated in one pass") }
        }
    }

    func testDeterministicPerEpoch() throws {
        let s = try PKSampler(pids: pids, p: 4, k: 2, seed: 1)
        XCTAssertEqual(s.batches(epoch: 2), try PKSampler(pids: pids, p: 4, k: 2, seed: 1).batches(epoch: 2))
        XCTAssertNotEqual(s.batches(epoch: 2), s.batches(epoch: 3))
        XCTAssertNotEqual(s.batches(epoch: 2), try PKSampler(pids: pids, p: 4, k: 2, seed: 2).batches(epoch: 2))
    }

    func testBadPK() {
        XCTAssertThrowsError(try PKSampler(pids: pids, p: 13, k: 2, seed: 0)) { e in
            XCTAssertTrue("\(e)".contains("only 12"), "\(e)")
        }
        XCTAssertThrowsError(try PKSampler(pids: pids, p: 0, k: 2, seed: 0))
    }

    func testRandomAndSequential() throws {
        let r = try RandomSampler(count: 10, batchSize: 3, seed: 4)
        let b = r.batches(epoch: 0)
        XCTAssertEqual(b.count, 3)
        XCTAssertEqual(Set(b.flatMap { $0 }).count, 9)
        XCTAssertNotEqual(r.batches(epoch: 0), r.batches(epoch: 1))
        XCTAssertEqual(SequentialSampler(count: 7, batchSize: 3).batches(epoch: 0), [[0, 1, 2], [3, 4, 5], [6]])
        XCTAssertThrowsError(try RandomSampler(count: 2, batchSize: 3, seed: 0))
    }
}
