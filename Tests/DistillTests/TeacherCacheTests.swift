// Teacher-output cache: misses then hits, values round-trip bit-exactly, a second instance
// (another student / process) sees the entries, a mismatched file is refused clearly, and
// concurrent writers of one key compute each batch once.
import XCTest
import Foundation
import Tensor
import TestSupport
import Support
@testable import Distill

final class TeacherCacheTests: XCTestCase {
    /// A fresh cache folder (removed after the test) and the key every test here uses.
    func scratch() -> (root: String, key: TeacherCacheKey) {
        let root = NSTemporaryDirectory() + "tcache-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        return (root, TeacherCacheKey(teacherWeights: "abc123", datasetFingerprint: "f00d", pipeline: "{\"SEED\":7}"))
    }

    func testRoundTripAndSharing() throws {
        let (root, key) = scratch()
        let a = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        XCTAssertNil(try a.lookup(epoch: 0, samples: [2, 3], samplesInEpoch: 10))
        let logits = randomTensor([2, 5], seed: 1, requiresGrad: false), emb = randomTensor([2, 3], seed: 2, requiresGrad: false)
        try a.store(epoch: 0, samples: [2, 3], samplesInEpoch: 10, logits: logits, embeddings: emb)
        let got = try XCTUnwrap(try a.lookup(epoch: 0, samples: [2, 3], samplesInEpoch: 10))
        XCTAssertEqual(got.logits.scalars, logits.scalars)
        XCTAssertEqual(got.embeddings.scalars, emb.scalars)
        XCTAssertNil(try a.lookup(epoch: 0, samples: [3, 4], samplesInEpoch: 10), "one missing sample is a miss")
        XCTAssertNil(try a.lookup(epoch: 1, samples: [2], samplesInEpoch: 10), "epochs are separate")
        XCTAssertEqual(a.hits, 2)
        // A fresh instance (another student of the sweep) hits the stored rows.
        let b = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        XCTAssertEqual(try b.lookup(epoch: 0, samples: [3], samplesInEpoch: 10)?.embeddings.scalars, Array(emb.scalars[3..<6]))
        // Different dimensions for the same file: refused with the path and the fix.
        let c = TeacherCache(root: root, key: key, logitDim: 6, embedDim: 3)
        XCTAssertThrowsError(try c.lookup(epoch: 0, samples: [0], samplesInEpoch: 10)) { e in
            XCTAssertTrue("\(e)".contains("epoch0.tcache") && "\(e)".contains("delete it"), "\(e)")
        }
    }

    /// What a second thread saw; read after its semaphore signalled (which orders the accesses).
    final class Outcome: @unchecked Sendable {
        var computed = false
        var helps = 0
        var rows: (logits: Tensor, embeddings: Tensor)?
    }

    /// Two caches of one key (two workers of a sweep: separate descriptors, so separate locks)
    /// asking for the same batch at once: the second waits while the first computes, then reads
    /// its rows instead of running the teacher itself.
    func testConcurrentWritersComputeEachBatchOnce() throws {
        let (root, key) = scratch()
        let a = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        let b = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        let logits = randomTensor([4, 5], seed: 1, requiresGrad: false), emb = randomTensor([4, 3], seed: 2, requiresGrad: false)
        let computing = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), bDone = DispatchSemaphore(value: 0)
        let batch = [4, 5, 6, 7]
        let bSide = Outcome()
        let first = Thread {
            _ = try? a.outputs(epoch: 0, samples: batch, samplesInEpoch: 16) {
                computing.signal()
                release.wait()
                return (logits, emb)
            }
        }
        first.start()
        computing.wait()
        let second = Thread {
            bSide.rows = try? b.outputs(epoch: 0, samples: [6, 7, 8, 9], samplesInEpoch: 16) {
                bSide.computed = true
                return (randomTensor([4, 5], seed: 3, requiresGrad: false), randomTensor([4, 3], seed: 4, requiresGrad: false))
            }
            bDone.signal()
        }
        second.start()
        XCTAssertEqual(bDone.wait(timeout: .now() + 0.3), .timedOut, "b waits while a computes rows it needs")
        release.signal()
        XCTAssertEqual(bDone.wait(timeout: .now() + 10), .success)
        // Rows 8 and 9 were not a's to compute: after the wait b computed its batch itself.
        XCTAssertTrue(bSide.computed, "a batch that a's rows do not cover is computed by b")
        XCTAssertEqual(try XCTUnwrap(bSide.rows).logits.scalars, randomTensor([4, 5], seed: 3, requiresGrad: false).scalars)

        // The same batch: b reads a's rows and never runs its own forward.
        let c = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        let gate = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), cDone = DispatchSemaphore(value: 0)
        let cSide = Outcome()
        Thread {
            _ = try? a.outputs(epoch: 1, samples: batch, samplesInEpoch: 16) { gate.signal(); go.wait(); return (logits, emb) }
        }.start()
        gate.wait()
        Thread {
            cSide.rows = try? c.outputs(epoch: 1, samples: batch, samplesInEpoch: 16) {
                cSide.computed = true
                return (randomTensor([4, 5], seed: 5, requiresGrad: false), randomTensor([4, 3], seed: 6, requiresGrad: false))
            }
            cDone.signal()
        }.start()
        XCTAssertEqual(cDone.wait(timeout: .now() + 0.3), .timedOut)
        go.signal()
        XCTAssertEqual(cDone.wait(timeout: .now() + 10), .success)
        XCTAssertFalse(cSide.computed, "the waiting cache read the rows instead of computing them")
        XCTAssertEqual(try XCTUnwrap(cSide.rows).logits.scalars, logits.scalars)
        XCTAssertEqual(try XCTUnwrap(cSide.rows).embeddings.scalars, emb.scalars)
        XCTAssertEqual(c.hits, 4); XCTAssertEqual(c.misses, 0); XCTAssertEqual(c.waited, 4)
    }

    /// A cache that needs rows another writer is computing fills a later batch meanwhile
    /// (`help`), blocks only once there is nothing left to fill, then reads the rows it waited
    /// for; the rows it filled ahead count as its misses when it reaches them.
    func testAWaitingWriterFillsLaterBatchesInsteadOfIdling() throws {
        let (root, key) = scratch()
        let a = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        let b = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        @Sendable func rows(_ seed: UInt64) -> (logits: Tensor, embeddings: Tensor) {
            (randomTensor([4, 5], seed: seed, requiresGrad: false), randomTensor([4, 3], seed: seed + 100, requiresGrad: false))
        }
        let first = [0, 1, 2, 3], second = [4, 5, 6, 7]
        let computing = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let idle = DispatchSemaphore(value: 0), bDone = DispatchSemaphore(value: 0)
        Thread { _ = try? a.outputs(epoch: 0, samples: first, samplesInEpoch: 8) { computing.signal(); release.wait(); return rows(1) } }.start()
        computing.wait()
        let bSide = Outcome()
        Thread {
            bSide.rows = try? b.outputs(epoch: 0, samples: first, samplesInEpoch: 8, compute: {
                bSide.computed = true
                return rows(9)
            }, help: {
                bSide.helps += 1
                let filled = try b.fillAhead(epoch: 0, samples: second, samplesInEpoch: 8) { rows(2) }
                if !filled { idle.signal() }
                return filled
            })
            bDone.signal()
        }.start()
        XCTAssertEqual(idle.wait(timeout: .now() + 10), .success, "b ran out of batches to fill")
        XCTAssertEqual(bDone.wait(timeout: .now() + 0.3), .timedOut, "then b waits for a's rows")
        XCTAssertEqual(bSide.helps, 2, "one later batch filled, then nothing left")
        XCTAssertEqual(b.filledAhead, 4)
        release.signal()
        XCTAssertEqual(bDone.wait(timeout: .now() + 10), .success)
        XCTAssertFalse(bSide.computed, "b read a's rows")
        XCTAssertEqual(try XCTUnwrap(bSide.rows).logits.scalars, rows(1).logits.scalars)
        XCTAssertEqual(b.hits, 4); XCTAssertEqual(b.waited, 4); XCTAssertEqual(b.misses, 0)
        // The batch b filled ahead: read from the cache, but b paid its forward.
        let ahead = try b.outputs(epoch: 0, samples: second, samplesInEpoch: 8) { XCTFail("filled ahead already"); return rows(9) }
        XCTAssertEqual(ahead.embeddings.scalars, rows(2).embeddings.scalars)
        XCTAssertEqual(b.hits, 4); XCTAssertEqual(b.misses, 4)
        // a reads b's rows as hits.
        XCTAssertEqual(try a.outputs(epoch: 0, samples: second, samplesInEpoch: 8) { rows(9) }.logits.scalars, rows(2).logits.scalars)
        XCTAssertEqual(a.hits, 4); XCTAssertEqual(a.misses, 4)
    }

    /// A writer that dies while computing (its descriptor closes: the kernel drops the lock)
    /// does not block the others: they compute the rows themselves.
    func testALockHeldByAClosedDescriptorIsDropped() throws {
        let (root, key) = scratch()
        let a = TeacherCache(root: root, key: key, logitDim: 5, embedDim: 3)
        XCTAssertNil(try a.lookup(epoch: 0, samples: [0], samplesInEpoch: 8))   // creates the file
        let path = "\(root)/\(key.directory)/epoch0.tcache"
        let fd = open(path, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let held = try FileRangeLock.lock(fd, offset: 64, length: 8, path: path)
        let other = open(path, O_RDWR)
        defer { close(other) }
        XCTAssertNil(try FileRangeLock.tryLock(other, offset: 66, length: 1, path: path), "another descriptor finds the range held")
        close(fd)   // as at the holder's death
        withExtendedLifetime(held) {}
        let logits = randomTensor([2, 5], seed: 1, requiresGrad: false), emb = randomTensor([2, 3], seed: 2, requiresGrad: false)
        let got = try a.outputs(epoch: 0, samples: [2, 3], samplesInEpoch: 8) { (logits, emb) }
        XCTAssertEqual(got.logits.scalars, logits.scalars)
        XCTAssertEqual(a.misses, 3)
    }
}
