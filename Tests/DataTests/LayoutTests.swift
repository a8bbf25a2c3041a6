// Dataset layout parsers on small generated trees: junk, distractors, malformed names, missing and
// empty splits, relabelling, --skip-bad, the registry and the fingerprint.
import XCTest
@testable import Data

final class LayoutTests: XCTestCase {
    /// A Market-1501 tree: train pids 7, 2, 5 (+ a junk and a distractor that must be dropped),
    /// query pids 11, 12, gallery pids 11, 12, 0 (kept) and −1 (dropped), plus a Thumbs.db.
    func marketTree() -> TempDir {
        let d = TempDir()
        for n in ["0007_c1s1_000001_01", "0007_c2s1_000002_01", "0002_c1s1_000003_01", "0005_c3s2_000004_02",
                  "-1_c1s1_000005_01", "0000_c2s1_000006_01"] { d.png("bounding_box_train/\(n).jpg") }
        for n in ["0011_c1s1_000007_01", "0012_c4s1_000008_01", "0000_c1s1_000009_01"] { d.png("query/\(n).jpg") }
        for n in ["0011_c2s1_000010_01", "0012_c6s1_000011_01", "0000_c3s1_000012_01", "-1_c3s1_000013_01"] {
            d.png("bounding_box_test/\(n).jpg")
        }
        d.write("bounding_box_test/Thumbs.db", [1, 2, 3])
        return d
    }

    func testMarketParsesDropsJunkKeepsDistractorsAndRelabels() throws {
        let d = marketTree()
        let ds = try DatasetLayouts.load("market1501", root: d.path)
        XCTAssertEqual(ds.train.count, 4)
        XCTAssertEqual(ds.numTrainPids, 3)
        XCTAssertEqual(ds.trainPidOriginal, [2, 5, 7])
        // Relabelled in order of original pid: 2→0, 5→1, 7→2.
        let byFile = Dictionary(uniqueKeysWithValues: ds.train.map { (($0.path as NSString).lastPathComponent, $0) })
        XCTAssertEqual(byFile["0002_c1s1_000003_01.jpg"]?.pid, 0)
        XCTAssertEqual(byFile["0005_c3s2_000004_02.jpg"]?.pid, 1)
        XCTAssertEqual(byFile["0007_c2s1_000002_01.jpg"]?.pid, 2)
        XCTAssertEqual(byFile["0007_c2s1_000002_01.jpg"]?.camid, 1)   // c2 → camid 1
        XCTAssertEqual(ds.query.map(\.pid).sorted(), [11, 12])      // test pids kept; pid 0 dropped from query
        XCTAssertEqual(ds.gallery.map(\.pid).sorted(), [0, 11, 12]) // distractor kept, junk dropped
        XCTAssertEqual(ReidDataset.stats(ds.gallery), .init(ids: 3, images: 3, cameras: 3))
        XCTAssertTrue(ds.statisticsTable.contains("train    |     3 |        4 |         3"), ds.statisticsTable)
    }

    func testMalformedNameNamesTheFileAndSkipBadSummarises() throws {
        let d = marketTree()
        d.png("query/holiday_photo.jpg")
        d.png("query/0013_x1s1_000001_01.jpg")
        assertDataError(.badName, naming: d.sub("query/0013_x1s1_000001_01.jpg")) {
            try DatasetLayouts.load("market1501", root: d.path)
        }
        d.write("bounding_box_train/0009_c1s1_000100_01.jpg", [])
        let ds = try DatasetLayouts.load("market1501", root: d.path, options: LayoutOptions(skipBad: true))
        XCTAssertEqual(ds.skipped.skipped.count, 3)
        XCTAssertTrue(ds.skipped.summary.contains("2 badName"), ds.skipped.summary)
        XCTAssertTrue(ds.skipped.summary.contains("1 emptyFile"), ds.skipped.summary)
        XCTAssertEqual(ds.query.count, 2)
    }

    func testVerifyImagesFindsCorruptFiles() throws {
        let d = marketTree()
        d.write("query/0013_c1s1_000001_01.jpg", Array("not a jpeg".utf8))
        _ = try DatasetLayouts.load("market1501", root: d.path)   // names parse; content not read
        assertDataError(.notAnImage, naming: d.sub("query/0013_c1s1_000001_01.jpg")) {
            try DatasetLayouts.load("market1501", root: d.path, options: LayoutOptions(verifyImages: true))
        }
    }

    func testMissingAndEmptySplits() throws {
        let d = marketTree()
        try FileManager.default.removeItem(atPath: d.sub("query"))
        assertDataError(.badLayout, naming: d.path) { try DatasetLayouts.load("market1501", root: d.path) }
        try FileManager.default.createDirectory(atPath: d.sub("query"), withIntermediateDirectories: true)
        assertDataError(.emptySplit, naming: d.path) { try DatasetLayouts.load("market1501", root: d.path) }
        assertDataError(.badLayout, naming: d.sub("nowhere")) { try DatasetLayouts.load("market1501", root: d.sub("nowhere")) }
    }

    func testTopFolderIsFound() throws {
        let outer = TempDir()
        for s in ["bounding_box_train/0001_c1s1_000001_01.jpg", "query/0002_c1s1_000001_01.jpg", "bounding_box_test/0002_c2s1_000001_01.jpg"] {
            outer.png("Market-1501-v15.09.15/" + s)
        }
        XCTAssertEqual(try DatasetLayouts.load("market1501", root: outer.path).train.count, 1)
    }

    func testDukeCameraRange() throws {
        let d = TempDir()
        d.png("bounding_box_train/0005_c8_f0046985.jpg")
        d.png("query/0006_c2_f0046985.jpg")
        d.png("bounding_box_test/0006_c9_f0046985.jpg")
        assertDataError(.badName, naming: d.sub("bounding_box_test/0006_c9_f0046985.jpg")) { try DatasetLayouts.load("dukemtmc", root: d.path) }
    }

    func testVeRi() throws {
        let d = TempDir()
        d.png("image_train/0001_c001_00016450_0.jpg")
        d.png("image_train/0003_c014_00016450_0.jpg")
        d.png("image_query/0002_c002_00030600_0.jpg")
        d.png("image_test/0002_c020_00030600_1.jpg")
        let ds = try DatasetLayouts.load("veri776", root: d.path)
        XCTAssertEqual(ds.train.map(\.camid).sorted(), [0, 13])
        XCTAssertEqual(ds.gallery[0].camid, 19)
        d.png("image_test/0002_c21_00030600_1.jpg")
        assertDataError(.badName, naming: d.sub("image_test/0002_c21_00030600_1.jpg")) { try DatasetLayouts.load("veri776", root: d.path) }
    }

    func testMSMT17() throws {
        let d = TempDir()
        d.png("train/0000/0000_000_01_0303morning_0015_0.jpg")
        d.png("train/0001/0001_000_15_0303morning_0016_0.jpg")
        d.png("test/0000/0000_000_02_0303morning_0015_0.jpg")
        d.png("test/0000/0000_001_05_0303morning_0015_1.jpg")
        d.write("list_train.txt", Array("0000/0000_000_01_0303morning_0015_0.jpg 0\n0001/0001_000_15_0303morning_0016_0.jpg 1\n".utf8))
        d.write("list_query.txt", Array("0000/0000_000_02_0303morning_0015_0.jpg 0\n".utf8))
        d.write("list_gallery.txt", Array("0000/0000_001_05_0303morning_0015_1.jpg 0\n".utf8))
        let ds = try DatasetLayouts.load("msmt17", root: d.path)
        XCTAssertEqual(ds.train.map(\.camid), [0, 14])
        XCTAssertEqual(ds.query[0].camid, 1)
        XCTAssertEqual(ds.gallery[0].camid, 4)
        d.write("list_query.txt", Array("0000/0000_000_02_0303morning_0015_0.jpg\n".utf8))
        assertDataError(.badName, naming: d.sub("list_query.txt") + ":1") { try DatasetLayouts.load("msmt17", root: d.path) }
        d.write("list_query.txt", Array("0000/0000_000_02_0303morning_0015_0.jpg 0\n".utf8))
        try FileManager.default.removeItem(atPath: d.sub("list_gallery.txt"))
        assertDataError(.badLayout, naming: d.sub("list_gallery.txt")) { try DatasetLayouts.load("msmt17", root: d.path) }
    }

    func testGenericLayout() throws {
        let d = TempDir()
        d.png("train/17/0_a.png"); d.png("train/17/1_b.png"); d.png("train/4/2_c.jpg")
        d.png("query/30/0_x.png")
        d.png("gallery/30/1_y.png"); d.png("gallery/0/2_z.png")
        let ds = try DatasetLayouts.load("generic", root: d.path)
        XCTAssertEqual(ds.trainPidOriginal, [4, 17])
        XCTAssertEqual(ds.gallery.map(\.pid).sorted(), [0, 30])
        XCTAssertEqual(ds.train.first { $0.path.hasSuffix("2_c.jpg") }?.camid, 2)
        d.png("gallery/abc/1_y.png")
        assertDataError(.badName, naming: d.sub("gallery/abc")) { try DatasetLayouts.load("generic", root: d.path) }
        try FileManager.default.removeItem(atPath: d.sub("gallery/abc"))
        d.png("gallery/30/nocam.png")
        assertDataError(.badName, naming: d.sub("gallery/30/nocam.png")) { try DatasetLayouts.load("generic", root: d.path) }
    }

    func testRegistrySuggestsClosestName() {
        do { _ = try DatasetLayouts.named("market"); XCTFail("expected an error") } catch {
            XCTAssertTrue("\(error)".contains("did you mean 'market1501'"), "\(error)")
        }
        do { _ = try DatasetLayouts.named("duke"); XCTFail("expected an error") } catch {
            XCTAssertTrue("\(error)".contains("did you mean 'dukemtmc'"), "\(error)")
        }
        XCTAssertEqual(try DatasetLayouts.named("MSMT17").name, "msmt17")
    }

    func testFingerprintFollowsContentNotLocation() throws {
        let a = marketTree()
        let fa = try DatasetLayouts.load("market1501", root: a.path).fingerprint()
        XCTAssertEqual(fa.count, 64)
        let b = TempDir()
        try FileManager.default.removeItem(atPath: b.path)
        try FileManager.default.copyItem(atPath: a.path, toPath: b.path)
        XCTAssertEqual(try DatasetLayouts.load("market1501", root: b.path).fingerprint(), fa)
        b.write("query/0011_c1s1_000007_01.jpg", try PNGCodec.encode(gradientImage(width: 30, height: 30)))   // same name, new content
        XCTAssertNotEqual(try DatasetLayouts.load("market1501", root: b.path).fingerprint(), fa)
    }
}
