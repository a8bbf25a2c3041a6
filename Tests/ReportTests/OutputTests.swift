// The files a report writes: CSV and JSON contents, well-formed self-contained HTML, SVG charts,
// rank-list PNGs with their frames, and the "unavailable" notes for runs without eval artifacts.
import XCTest
#if canImport(FoundationXML)
import FoundationXML   // XMLParser lives here on Linux
#endif
import Data
import Eval
import Store
@testable import Report

final class OutputTests: XCTestCase {
    func makeReport(artifacts: Bool = true, formats: [ReportFormat] = ReportDefaults.formats) throws -> (ReportOutcome, String) {
        let dir = Fixtures.tempDir("out", self)
        try Fixtures.makeStore(at: dir, artifacts: artifacts)
        let out = dir + "/report"
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", selection: .sweep(nil), outDir: out, formats: formats))
        return (o, out)
    }

    func read(_ p: String) throws -> String { try String(contentsOfFile: p, encoding: .utf8) }

    func testFilesCSVAndJSON() throws {
        let (o, out) = try makeReport()
        XCTAssertTrue(o.source.contains("the only sweep"), o.source)
        for f in ["report.md", "report.html", "report.csv", "report.json", "charts/map-vs-gflops.svg", "charts/cmc.svg",
                  "charts/train-3-losses.svg", "ranklists/query-000.png", "ranklists/query-001.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(f)"), "missing \(f)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out + "/..").filter { $0.hasPrefix(".report-tmp") }
        XCTAssertEqual(leftovers, [])

        let csv = try read(out + "/report.csv").split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.count, 7)   // header + 6 rows
        let head = csv[0].split(separator: ",").map(String.init)
        let kl = csv.first { $0.hasPrefix("r18-kl,") }!.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func col(_ n: String) -> Double? { head.firstIndex(of: n).flatMap { Double(kl[$0]) } }
        XCTAssertEqual(col("mAP_mean"), 42)
        XCTAssertEqual(col("mAP_std")!, 8.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(col("mAP_n"), 2)
        XCTAssertEqual(col("mAP_ci_low")!, 16.58759052765061, accuracy: 1e-9)
        XCTAssertEqual(col("mAP_retained_pct_mean")!, 70, accuracy: 1e-12)
        XCTAssertEqual(col("delta_mAP_mean")!, 10, accuracy: 1e-12)
        XCTAssertEqual(col("gap_closed_mean")!, 10.0 / 28, accuracy: 1e-12)
        XCTAssertEqual(kl[head.firstIndex(of: "seeds")!], "1;2")
        XCTAssertEqual(kl[head.firstIndex(of: "baseline")!], "r18-baseline")

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        XCTAssertEqual(json["sweep"] as? String, "fx")
        XCTAssertEqual(json["paretoGFLOPs"] as? [String], ["mbv2-kl", "r18-klmse", "teacher"])
        XCTAssertEqual(json["bestStudentRunID"] as? Int, 7)
        let rows = json["rows"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 6)
        let klmse = rows.first { $0["name"] as? String == "r18-klmse" }!
        XCTAssertEqual((klmse["mAP"] as! [String: Any])["mean"] as? Double, 43)
        XCTAssertFalse((klmse["tiedBest"] as! [String]).contains("mAP"), "every row is within noise: no mark")
        XCTAssertFalse((klmse["best"] as! [String]).contains("mAP"))
        XCTAssertEqual(json["bestStudentTiedWith"] as? [String], ["r18-baseline", "r18-kl", "mbv2-baseline", "mbv2-kl"])
        XCTAssertEqual((json["unfinished"] as! [[String: Any]]).first?["status"] as? String, "failed")
        XCTAssertEqual((json["factors"] as! [[String: Any]]).count, 2)
        XCTAssertTrue(o.terminalText.contains("| teacher |"), o.terminalText)
    }

    func testHTMLIsWellFormedAndSelfContained() throws {
        let (_, out) = try makeReport()
        let html = try read(out + "/report.html")
        let parser = XMLParser(data: Data(html.utf8))
        let ok = parser.parse()
        XCTAssertTrue(ok, "report.html is not well-formed: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)")
        for bad in ["http://", "https://", "<script", "<link", "src=\"ranklists/"] {
            XCTAssertFalse(html.contains(bad), "report.html must be self-contained, found \(bad)")
        }
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 2 + 1 + 3 * 9, "2 trade-off charts, CMC, 3 per run")
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 2)
        XCTAssertTrue(html.contains("<td>43.00 ± 5.66</td>"), "within noise of every row: no star")
        XCTAssertTrue(html.contains("class=\"best\">0.100 ★"), "GFLOPs: exact, a clear best")
        XCTAssertTrue(html.contains("<tr class=\"baseline\">"))
        // The standalone SVG files parse too.
        let svg = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: out + "/charts/map-vs-gflops.svg")))
        XCTAssertTrue(svg.parse())
    }

    func testRankListPNGFramesGreenForMatchRedOtherwise() throws {
        let (o, out) = try makeReport(formats: [.json])
        XCTAssertEqual(o.model.rankLists.count, 2)
        XCTAssertEqual(o.model.rankLists[0].teacherHits, 1)
        let img = try ImageIO.load(out + "/ranklists/query-000.png")
        let h = ReportDefaults.cellHeight, w = ReportDefaults.cellWidth, gap = 2, sp = w / 4
        XCTAssertEqual(img.height, h + 2 * gap)
        XCTAssertEqual(img.width, 7 * w + 4 * sp + 12 * gap)   // query, 2 spacers, 3 teacher, 2 spacers, 3 student
        func frameColour(cellX: Int) -> (UInt8, UInt8, UInt8) { img[x: cellX + 1, y: gap + 1] }
        let teacher0 = gap + (w + gap) + 2 * (sp + gap)          // first teacher cell: pid 0 = the query's identity
        XCTAssertEqual(frameColour(cellX: teacher0).1, 170, "green frame")
        XCTAssertEqual(frameColour(cellX: teacher0 + w + gap).0, 220, "red frame")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/report.md"), "only the asked formats")
    }

    func testOlderRunsWithoutEvalArtifactsSayWhatIsUnavailable() throws {
        let (o, out) = try makeReport(artifacts: false)
        XCTAssertNil(o.model.cmc)
        XCTAssertTrue(o.model.rankLists.isEmpty)
        let md = try read(out + "/report.md")
        XCTAssertTrue(md.contains("## Unavailable"))
        XCTAssertTrue(md.contains("CMC curve of the teacher (run 1): no eval.json recorded"), md)
        XCTAssertTrue(md.contains("rank-list images: no ranklist.json for run 1 (teacher) and run 7 (r18-klmse-s2)"), md)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/ranklists"))
        XCTAssertTrue(XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: out + "/report.html"))).parse())
    }

    func testExistingFolderKeepsOtherContentAndReplacesOldReport() throws {
        let dir = Fixtures.tempDir("existing", self)
        try Fixtures.makeStore(at: dir)
        let out = dir + "/fx"
        try FileManager.default.createDirectory(atPath: out + "/teacher", withIntermediateDirectories: true)
        try "weights".write(toFile: out + "/teacher/model.safetensors", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: out + "/charts", withIntermediateDirectories: true)
        try "stale".write(toFile: out + "/charts/train-99-lr.svg", atomically: true, encoding: .utf8)
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite"))
        XCTAssertEqual(o.outDir, out, "default out = the sweep's folder next to the store")
        XCTAssertEqual(try read(out + "/teacher/model.safetensors"), "weights")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/charts/train-99-lr.svg"), "the old charts folder is replaced")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.html"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }, [])
    }

    func testChartTicksAndEscaping() {
        let t = SVGChart.niceTicks(0.13, 0.92)
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(t[0], 0, accuracy: 1e-12); XCTAssertEqual(t[5], 1, accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(SVGChart.niceTicks(5, 5).count, 2, "a flat series still gets an axis")
        XCTAssertEqual(XML.escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;")
        let merged = SVGChart.labelClusters([(10, 100, "mbv2 ×0.5 none"), (12, 104, "mbv2 ×0.5 kl"), (200, 50, "teacher")])
        XCTAssertEqual(merged.map(\.text), ["mbv2 ×0.5: none, kl", "teacher"])
        XCTAssertEqual(merged[0].y, 100, "placed at the topmost point")
        let svg = SVGChart(title: "t<1>", xLabel: "x", yLabel: "y", series: []).render()
        XCTAssertTrue(svg.contains("no data"))
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
    }
}

final class RankListAspectTests: XCTestCase {
    func item(_ path: String, match: Bool) -> RankList.Item {
        RankList.Item(index: 0, path: path, pid: match ? 1 : 2, camid: 0, distance: 0, match: match)
    }

    /// Square crops (vehicles at 64×64) get square cells; a crop of another shape is fitted, not squashed.
    func testSquareCropsKeepTheirShape() throws {
        let square = RGBImage(width: 64, height: 64, fill: (10, 200, 10)), tall = RGBImage(width: 8, height: 16, fill: (200, 10, 10))
        let images = ["q": square, "g1": square, "g2": tall]
        let (img, missing) = RankListSheet.row(query: item("q", match: true), teacher: [item("g1", match: true), item("g2", match: false)],
                                               student: [item("g1", match: true)], load: { images[$0] })
        XCTAssertEqual(missing, 0)
        let h = ReportDefaults.cellHeight, w = h, gap = 2, sp = w / 4
        XCTAssertEqual(img.height, h + 2 * gap)
        XCTAssertEqual(img.width, 4 * w + 4 * sp + 9 * gap, "query, 2 spacers, 2 teacher, 2 spacers, 1 student; square cells")
        let q = gap, g2 = gap + (w + gap) + 2 * (sp + gap) + (w + gap)
        XCTAssertEqual(img[x: q + w / 2, y: gap + h / 2].1, 200, "the square query fills its cell")
        XCTAssertEqual(img[x: q + 8, y: gap + h / 2].1, 200, "… to the frame")
        // The 1:2 image in a square cell: 64 wide, centred, white on both sides inside the frame.
        XCTAssertEqual(img[x: g2 + w / 2, y: gap + h / 2].0, 200)
        XCTAssertTrue(img[x: g2 + 16, y: gap + h / 2] == (255, 255, 255), "letterboxed, not stretched")
        XCTAssertTrue(img[x: g2 + w - 16, y: gap + h / 2] == (255, 255, 255))
    }

    func testPersonCropsAndUnreadableRowsKeepTheTwoToOneCell() {
        let person = RGBImage(width: 32, height: 64, fill: (10, 10, 200))
        let (img, _) = RankListSheet.row(query: item("q", match: true), teacher: [], student: [], load: { _ in person })
        XCTAssertEqual(img.width, 64 + 4 * 16 + 6 * 2, "query and 4 spacers, 6 gaps")
        let (none, missing) = RankListSheet.row(query: item("q", match: true), teacher: [item("x", match: false)], student: [], load: { _ in nil })
        XCTAssertEqual(missing, 2)
        XCTAssertEqual(none.width, 2 * ReportDefaults.cellWidth + 4 * (ReportDefaults.cellWidth / 4) + 7 * 2)
    }
}
