// `reidkd import`'s folder: a FastReID output folder (made by Scripts/fastreid_fixtures.py) becomes
// model.safetensors + preprocess.json + IMPORT.md, and `reidkd embed`'s path (PNG files → resize →
// normalise → model) gives FastReID's own eval outputs for the same images. Partial matches are
// refused unless allowed; a written folder re-imports (as a ReidKD checkpoint) unchanged.
import XCTest
import Foundation
import Tensor
import NN
import Eval
import Distill
@testable import Export

final class ImportFolderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("InteropTests/Fixtures/fastreid").path
    var dir = ""
    override func setUp() { dir = NSTemporaryDirectory() + "reidkd-import-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testFastReIDFolderEmbedsLikeFastReID() throws {
        let imported = try ImportedCheckpoint.make(source: "\(Self.fixtures)/r50-ibn-folder")
        let files = try ImportFolder.write(imported, to: "\(dir)/r50ibn")
        XCTAssertEqual(files, ["model.safetensors", "preprocess.json", "IMPORT.md"])
        let report = try String(contentsOfFile: "\(dir)/r50ibn/IMPORT.md", encoding: .utf8)
        XCTAssertTrue(report.contains("MODEL.BACKBONE.STEM_POOL: fastreid"), report)
        XCTAssertTrue(report.contains("| `SOLVER.BASE_LR` |"), "ignored keys are listed")
        let m = try ExportedModel(directory: "\(dir)/r50ibn")
        XCTAssertEqual(m.preprocess.inputSize, [128, 64])
        XCTAssertEqual(m.preprocess.neckFeat, "after")
        let pngs = (0..<2).map { "\(Self.fixtures)/input-128x64-\($0).png" }
        let e = try m.embed(files: pngs)
        let expected = try Npy.read("\(Self.fixtures)/r50-ibn-folder-output.npy")
        XCTAssertEqual(e.shape, expected.shape)
        let d = zip(e.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        let f = expected.scalars.map(abs).max()!
        XCTAssertLessThanOrEqual(d, 1e-4 * f, "embed from PNG files vs FastReID: max |Δ| \(d), max |f| \(f)")
        // The written folder is itself importable (its checkpoint carries its config).
        let again = try ImportedCheckpoint.make(source: "\(dir)/r50ibn")
        XCTAssertEqual(again.config.sha256, imported.config.sha256)
        XCTAssertEqual(again.stateDict.map(\.0), imported.stateDict.map(\.0))
        XCTAssertTrue(zip(again.stateDict, imported.stateDict).allSatisfy { $0.1.scalars == $1.1.scalars })
    }

    func testPartialMatchesNeedAllowMissing() throws {
        let src = "\(Self.fixtures)/r18-nobnneck.pth", cfg = "\(Self.fixtures)/r18.yml"   // a BNNeck config for a checkpoint without one
        XCTAssertThrowsError(try ImportedCheckpoint.make(source: src, config: cfg)) { e in
            XCTAssertTrue("\(e)".contains("partial match") && "\(e)".contains("--allow-missing"), "\(e)")
        }
        let imported = try ImportedCheckpoint.make(source: src, config: cfg, allowMissing: true)
        XCTAssertEqual(imported.report.missing.count, 4)
        try ImportFolder.write(imported, to: "\(dir)/partial")
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/partial/IMPORT.md", encoding: .utf8).contains("## Missing from the checkpoint"))
        XCTAssertThrowsError(try ImportedCheckpoint.make(source: src)) { e in
            XCTAssertTrue("\(e)".contains("pass --config"), "\(e)")
        }
    }
}
