// The synthetic generator: same seed → same bytes, different seed → different data, a valid
// Market-1501 layout with the expected counts, near-duplicate groups.
import XCTest
import Tensor
@testable import Data

final class SynthTests: XCTestCase {
    static func tiny(seed: UInt64 = 3) -> SynthConfig {
        var c = SynthConfig()
        c.ids = 8; c.cameras = 3; c.imagesPerId = 4; c.height = 32; c.width = 16
        c.distractors = 3; c.junk = 2; c.seed = seed
        return c
    }

    func files(_ root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)!
        while let rel = e.nextObject() as? String {
            guard rel.hasSuffix(".png") || rel.hasSuffix(".txt") || rel.hasSuffix(".tsv") else { continue }
            out[rel] = FileManager.default.contents(atPath: (root as NSString).appendingPathComponent(rel))
        }
        return out
    }

    func testSameSeedSameBytesDifferentSeedDifferentImages() throws {
        let a = TempDir(), b = TempDir(), c = TempDir()
        try SynthGenerator(Self.tiny()).write(to: a.path)
        try SynthGenerator(Self.tiny()).write(to: b.path)
        try SynthGenerator(Self.tiny(seed: 4)).write(to: c.path)
        let fa = files(a.path), fb = files(b.path), fc = files(c.path)
        XCTAssertEqual(fa.count, 8 * 4 + 3 + 2 + 2)
        XCTAssertEqual(fa, fb)
        let common = Set(fa.keys).intersection(fc.keys).filter { $0.hasSuffix(".png") }
        XCTAssertLessThan(common.filter { fa[$0] == fc[$0] }.count, 1 + common.count / 10)
    }

    func testOutputDoesNotDependOnThreadCount() throws {
        let a = TempDir(), b = TempDir()
        try SynthGenerator(Self.tiny()).write(to: a.path)
        let saved = Parallel.threads
        Parallel.threads = 1
        defer { Parallel.threads = saved }
        try SynthGenerator(Self.tiny()).write(to: b.path)
        XCTAssertEqual(files(a.path), files(b.path))
    }

    func testLayoutParsesWithExpectedCounts() throws {
        let d = TempDir()
        let s = try SynthGenerator(Self.tiny()).write(to: d.path)
        let ds = try DatasetLayouts.load("market1501", root: d.path)
        XCTAssertEqual(ds.numTrainPids, 4)
        XCTAssertEqual(ds.train.count, 16)
        XCTAssertEqual(Set(ds.query.map(\.pid)).count, 4)
        XCTAssertEqual(ds.query.count, s.queryImages)
        XCTAssertEqual(ds.gallery.count, s.galleryImages - 2)             // junk dropped by the parser
        XCTAssertEqual(ds.gallery.filter { $0.pid == 0 }.count, 3)        // distractors kept
        // Every query has a positive in another camera of the gallery.
        for q in ds.query {
            XCTAssertTrue(ds.gallery.contains { $0.pid == q.pid && $0.camid != q.camid }, "no cross-camera match for \(q.path)")
        }
        let img = try ImageIO.load(ds.train[0].path)
        XCTAssertEqual(img.height, 32)
        XCTAssertEqual(img.width, 16)
    }

    func testNearDuplicateGroups() {
        var c = Self.tiny()
        c.ids = 30; c.groupSize = 3; c.groupFraction = 1; c.fineDifferences = 1
        let ids = SynthIdentity.all(c)
        XCTAssertEqual(ids.count, 30)
        XCTAssertEqual(Set(ids.map(\.group)).count, 10)
        for g in 0..<10 {
            let members = ids.filter { $0.group == g }
            XCTAssertEqual(members.count, 3)
            for m in members.dropFirst() {
                XCTAssertNotEqual(m, members[0])
                // Coarse attributes are shared inside a group.
                XCTAssertEqual(m.upper, members[0].upper)
                XCTAssertEqual(m.lower, members[0].lower)
                XCTAssertEqual(m.heightFrac, members[0].heightFrac)
            }
        }
        c.groupSize = 1
        XCTAssertEqual(Set(SynthIdentity.all(c).map(\.group)).count, 30)
    }

    func testBadConfigAndNonEmptyOutput() throws {
        var c = Self.tiny()
        c.cameras = 12
        XCTAssertThrowsError(try c.validate())
        let d = TempDir()
        try SynthGenerator(Self.tiny()).write(to: d.path)
        assertDataError(.writeFailed, naming: d.path) { try SynthGenerator(Self.tiny()).write(to: d.path) }
        XCTAssertNoThrow(try SynthGenerator(Self.tiny()).write(to: d.path, overwrite: true))
    }
}
