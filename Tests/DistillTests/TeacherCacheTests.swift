// Teacher-output cache: misses then hits, values round-trip bit-exactly, a second instance
// (another student / process) sees the entries, and a mismatched file is refused clearly.
import XCTest
import Foundation
import Tensor
import TestSupport
@testable import Distill

final class TeacherCacheTests: XCTestCase {
    func testRoundTripAndSharing() throws {
        let root = NSTemporaryDirectory() + "tcache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let key = TeacherCacheKey(teacherWeights: "abc123", datasetFingerprint: "f00d", pipeline: "{\"SEED\":7}")
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
}
