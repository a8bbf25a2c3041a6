// Seed noise in the comparison: a clear gain next to one within noise, the unpaired (Welch)
// fallback when a run failed, a one-seed sweep; the headline claims only differences whose 95%
// interval excludes 0, the ★ only a winner beyond noise, and every format carries the marks.
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import Store
@testable import Report

final class NoiseTests: XCTestCase {
    let teacher = FixtureRun.r18("none", seed: 1, mAP: 60, role: .teacher)

    /// Three seeds: kl is 10, 10, 10.5 above the baseline (clear); kl+mse 0.5, 0.2, 0.1 (within noise).
    var clearAndNoise: [FixtureRun] {
        [teacher] + [(1, 30.0, 40.0, 30.5), (2, 32, 42, 32.2), (3, 31, 41.5, 31.1)].flatMap { s, b, kl, km in
            [FixtureRun.r18("none", seed: s, mAP: b), .r18("kl", seed: s, mAP: kl), .r18("kl+mse", seed: s, mAP: km)]
        }
    }

    func report(_ runs: [FixtureRun], _ tag: String) throws -> (ReportOutcome, String) {
        let dir = Fixtures.tempDir(tag, self)
        try Fixtures.makeStore(at: dir, artifacts: false, runs: runs)
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/report"))
        return (o, dir + "/report")
    }

    func row(_ o: ReportOutcome, _ name: String) throws -> TableRow {
        try XCTUnwrap(o.model.table.rows.first { $0.name == name }, "no row \(name)")
    }

    func testClearGainIsClaimedWithinNoiseIsNot() throws {
        let (o, _) = try report(clearAndNoise, "clear")
        let kl = try row(o, "r18-kl"), km = try row(o, "r18-kl+mse")
        // Hand-computed: d = (10, 10, 10.5), s = √(1/12), s/√3 = 1/6 → 10.1667 ± t₀.₉₇₅(2)/6.
        XCTAssertEqual(kl.deltaMAP!.mean, 61.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(kl.deltaMAP!.std!, (1.0 / 12).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(kl.deltaMAP!.ci!.low, 61.0 / 6 - 4.302652729749462 / 6, accuracy: 1e-9)
        XCTAssertEqual(kl.deltaMAP!.withinNoise, false)
        // d = (0.5, 0.2, 0.1): mean 0.2667, s²/3 = 0.13/9 → 0.2667 ± 4.3027·√0.13/3 = [−0.25, 0.78].
        XCTAssertEqual(km.deltaMAP!.ci!.low, 0.8 / 3 - 4.302652729749462 * 0.13.squareRoot() / 3, accuracy: 1e-9)
        XCTAssertEqual(km.deltaMAP!.withinNoise, true)
        // The headline claims kl, and puts kl+mse among the within-noise rows, never among the gains.
        let h = Headline.sentences(o.model.table)
        let gain = try XCTUnwrap(h.first { $0.hasPrefix("Distillation beat the baseline beyond seed noise") }, "\(h)")
        XCTAssertTrue(gain.contains("r18-kl (+10.17 mAP over r18-baseline, 95% interval [+9.45, +10.88], paired, 3 seeds)"), gain)
        XCTAssertFalse(gain.contains("kl+mse"), "a within-noise difference is not claimed: \(gain)")
        XCTAssertTrue(h.contains { $0.hasPrefix("Within noise of the baseline") && $0.contains("r18-kl+mse (+0.27 mAP") }, "\(h)")
        XCTAssertFalse(h.contains { $0.contains("Nothing clears") })
        // kl's lead is beyond noise against both other rows (paired by seed): a clear ★, and the best student.
        XCTAssertEqual(kl.best.filter { !Column(rawValue: $0)!.isDeterministic }, ["R1", "R5", "mAP", "mINP", "mAP_retained_pct", "delta_mAP", "gap_closed"])
        XCTAssertEqual(km.best.filter { !Column(rawValue: $0)!.isDeterministic }, [])
        XCTAssertEqual(kl.tiedBest, [], "equal latencies: every row tied, no mark")
        XCTAssertEqual(o.model.table.bestStudentTies, [])
        XCTAssertTrue(h.last!.hasPrefix("Best student: r18-kl (mAP 41.17), ahead of every other student beyond seed noise"), h.last!)
        XCTAssertTrue(o.terminalText.contains(gain), "the terminal shows the headline")
    }

    func testStarIsSharedOnlyByRowsWithinNoiseOfTheBest() throws {
        // kl+rkd: (40.5, 42.5, 40.8), against kl (40, 42, 41.5) seed by seed (0.5, 0.5, −0.7): within noise.
        let rkd = [(1, 40.5), (2, 42.5), (3, 40.8)].map { FixtureRun.r18("kl+rkd", seed: $0.0, mAP: $0.1) }
        let (o, out) = try report(clearAndNoise + rkd, "tied")
        let kl = try row(o, "r18-kl"), r = try row(o, "r18-kl+rkd")
        XCTAssertTrue(kl.tiedBest.contains("mAP") && r.tiedBest.contains("mAP"))
        XCTAssertFalse(kl.best.contains("mAP") || r.best.contains("mAP"), "no winner between two rows within noise")
        XCTAssertFalse(try row(o, "r18-kl+mse").tiedBest.contains("mAP"), "beyond noise below the best: unmarked")
        XCTAssertEqual(o.model.table.bestStudentIndex.map { o.model.table.rows[$0].name }, "r18-kl+rkd")
        XCTAssertEqual(o.model.table.bestStudentTies.map { o.model.table.rows[$0].name }, ["r18-kl"])
        let h = Headline.sentences(o.model.table)
        XCTAssertEqual(h.last!, "No single best student: r18-kl+rkd has the highest mean mAP (41.27) but is tied within noise with r18-kl (41.17).")
        XCTAssertFalse(h.contains { $0.hasPrefix("Best student") })
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("**41.17 ± 1.04** ≈★"), "tied cells say so")
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<td class=\"tied\">41.17 ± 1.04 ≈★</td>"))
    }

    func testWithinNoiseMarkInEveryFormat() throws {
        let (o, out) = try report(clearAndNoise, "formats")
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        let mdRow = try XCTUnwrap(md.split(separator: "\n").first { $0.hasPrefix("| r18-kl+mse (3 seeds) |") })
        XCTAssertTrue(mdRow.contains("+0.27 ± 0.21 (within noise)"), String(mdRow))
        XCTAssertFalse(try XCTUnwrap(md.split(separator: "\n").first { $0.hasPrefix("| r18-kl (3 seeds) |") }).contains("within noise"))
        XCTAssertTrue(md.contains("**Summary.** Distillation beat the baseline"), "headline at the top")
        XCTAssertTrue(md.contains("### 95% intervals"))
        XCTAssertTrue(md.contains("paired, within noise"), "the interval table says it too")

        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(XMLParser(data: Data(html.utf8)).parse())
        XCTAssertTrue(html.contains("+0.27 ± 0.21 (<span class=\"noise\">within noise</span>)"))
        XCTAssertTrue(html.contains("<p class=\"headline\"><b>Summary.</b> Distillation beat the baseline"))

        let csv = try String(contentsOfFile: out + "/report.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let head = csv[0].split(separator: ",").map(String.init)
        func cell(_ run: String, _ col: String) throws -> String {
            let line = try XCTUnwrap(csv.first { $0.hasPrefix(run + ",") }).split(separator: ",", omittingEmptySubsequences: false)
            return String(line[try XCTUnwrap(head.firstIndex(of: col), col)])
        }
        XCTAssertEqual(try cell("r18-kl+mse", "delta_mAP_within_noise"), "1")
        XCTAssertEqual(try cell("r18-kl", "delta_mAP_within_noise"), "0")
        XCTAssertEqual(try cell("r18-baseline", "delta_mAP_within_noise"), "", "no Δ for a baseline")
        XCTAssertEqual(try cell("r18-kl+mse", "gap_closed_within_noise"), "1")
        XCTAssertEqual(try cell("r18-kl", "delta_mAP_interval"), "paired")
        XCTAssertEqual(Double(try cell("r18-kl", "delta_mAP_ci_low"))!, 61.0 / 6 - 4.302652729749462 / 6, accuracy: 1e-9)
        XCTAssertEqual(try cell("r18-kl", "best_columns").split(separator: ";").first, "R1")

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        let rows = json["rows"] as! [[String: Any]]
        func delta(_ name: String) -> [String: Any]? { rows.first { $0["name"] as? String == name }?["deltaMAP"] as? [String: Any] }
        XCTAssertEqual(delta("r18-kl+mse")?["withinNoise"] as? Bool, true)
        XCTAssertEqual(delta("r18-kl")?["withinNoise"] as? Bool, false)
        XCTAssertEqual(delta("r18-kl")?["method"] as? String, "paired")
        XCTAssertNotNil((delta("r18-kl")?["ci"] as? [String: Any])?["low"])
        XCTAssertEqual((json["headline"] as? [String])?.first, Headline.sentences(o.model.table).first)
    }

    func testUnpairedFallbackAndMissingRunsSayNothingClearsTheNoise() throws {
        // The baseline's seed-3 run diverged (mAP NaN) and kl+mse's seed-3 run has no mAP at all.
        var missing = FixtureRun.r18("kl+mse", seed: 3, mAP: 50); missing.omitMAP = true
        let runs = [teacher, .r18("none", seed: 1, mAP: 10), .r18("none", seed: 2, mAP: 12), .r18("none", seed: 3, mAP: .nan),
                    .r18("kl", seed: 1, mAP: 12), .r18("kl", seed: 2, mAP: 15), .r18("kl", seed: 3, mAP: 11),
                    .r18("kl+mse", seed: 1, mAP: 11), .r18("kl+mse", seed: 2, mAP: 11), missing]
        let (o, out) = try report(runs, "unpaired")
        let kl = try row(o, "r18-kl"), km = try row(o, "r18-kl+mse")
        XCTAssertEqual(try row(o, "r18-baseline").mAP!.n, 2, "the NaN run is left out")
        // kl: seeds 1–3 against 1–2: Welch (scipy ttest_ind(equal_var=False)), marked unpaired.
        XCTAssertEqual(kl.deltaMAP!.method, .welch)
        XCTAssertEqual(kl.deltaMAP!.ci!.low, -3.382491965230215, accuracy: 1e-9)
        XCTAssertEqual(kl.deltaMAP!.ci!.high, 6.715825298563547, accuracy: 1e-9)
        XCTAssertEqual(kl.gapClosed!.method, .welch)
        XCTAssertEqual(kl.gapClosed!.mean, (38.0 / 3 - 11) / (60 - 11), accuracy: 1e-12)
        XCTAssertEqual(CellFormat.cell(kl, .delta), "+1.67 ± 2.52 † (within noise)")
        XCTAssertTrue(o.model.table.notes.contains { $0.contains("r18-kl: its seeds (1, 2, 3) do not pair up with those of r18-baseline (1, 2)") },
                      "\(o.model.table.notes)")
        // kl+mse and the baseline both have seeds 1 and 2 left: paired, (11 − 10, 11 − 12) = (1, −1).
        XCTAssertEqual(km.deltaMAP!.method, .paired)
        XCTAssertEqual(km.deltaMAP!.mean, 0, accuracy: 1e-12)
        XCTAssertEqual(km.deltaMAP!.n, 2)
        let h = Headline.sentences(o.model.table)
        XCTAssertTrue(h.contains("Nothing clears the seed noise: no distilled student's Δ mAP over its baseline has a 95% interval that excludes 0."), "\(h)")
        XCTAssertFalse(h.contains { $0.hasPrefix("Distillation beat") || $0.hasPrefix("Best student") }, "\(h)")
        XCTAssertTrue(h.last!.hasPrefix("No single best student: r18-kl has the highest mean mAP (12.67) but is tied within noise with r18-baseline (11.00) and r18-kl+mse (11.00)"), h.last!)
        XCTAssertFalse(kl.best.contains("mAP") || kl.tiedBest.contains("mAP"), "all rows within noise: no star")
        let csv = try String(contentsOfFile: out + "/report.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains(",welch,1,"), "the CSV marks the Welch interval and the noise")
    }

    func testOneSeedGivesNoIntervalAndNoClaim() throws {
        let (o, _) = try report([teacher, .r18("none", seed: 1, mAP: 30), .r18("kl", seed: 1, mAP: 40)], "oneseed")
        let kl = try row(o, "r18-kl")
        XCTAssertEqual(kl.deltaMAP!.mean, 10)
        XCTAssertNil(kl.deltaMAP!.ci)
        XCTAssertEqual(CellFormat.interval(kl, .delta), "no interval (1 seed) paired")
        let h = Headline.sentences(o.model.table)
        XCTAssertEqual(h[0], "Nothing clears the seed noise: no distilled student's Δ mAP over its baseline has a 95% interval that excludes 0.")
        XCTAssertEqual(h[1], "Too few seeds for an interval (one seed on a side), so not judged: r18-kl (+10.00 mAP over r18-baseline, paired, 1 seed).")
        XCTAssertTrue(h[2].hasPrefix("No single best student") && h[2].contains("a row with one seed has no interval"), h[2])
        XCTAssertFalse(kl.best.contains("mAP") || kl.tiedBest.contains("mAP"), "one seed: no star")
        XCTAssertTrue(o.terminalText.contains("Nothing clears the seed noise"))
    }
}
