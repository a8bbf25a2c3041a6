// Student-t quantiles and the mean/std/95%-interval estimates against scipy (golden values from
// Scripts/student_t_golden.py, scipy 1.17.1) and against values worked out by hand.
import XCTest
@testable import Report

final class StatsTests: XCTestCase {
    func testStudentTQuantilesMatchScipy() {
        // (p, df, scipy.stats.t.ppf(p, df)), fractional df as Welch's interval produces them.
        let golden: [(Double, Double, Double)] = [
            (0.975, 1, 12.706204736174694), (0.975, 2, 4.302652729749462), (0.975, 3, 3.1824463052837078),
            (0.975, 4, 2.7764451051977934), (0.975, 5, 2.5705818356363146), (0.975, 9, 2.262157162798205),
            (0.975, 30, 2.0422724563012378), (0.975, 1000, 1.9623390808264083), (0.975, 1.3, 7.500529325562029),
            (0.975, 2.5, 3.5746548420036817), (0.975, 7.7, 2.3217367528308643), (0.95, 3, 2.3533634348018233),
            (0.995, 2, 9.924843200918287), (0.6, 4, 0.2707222947075976),
        ]
        for (p, df, want) in golden {
            XCTAssertEqual(StudentT.quantile(p, df: df), want, accuracy: 1e-10 * want, "t.ppf(\(p), \(df))")
            XCTAssertEqual(StudentT.quantile(1 - p, df: df), -want, accuracy: 1e-10 * want, "symmetry at df \(df)")
        }
        XCTAssertEqual(StudentT.quantile(0.5, df: 3), 0)
        // df = 1 is the Cauchy distribution: t₀.₉₇₅ = tan(0.475π), exactly.
        XCTAssertEqual(StudentT.q975(df: 1), tan(0.475 * Double.pi), accuracy: 1e-10)
    }

    func testMeanStdIntervalOverSeeds() throws {
        // n = 1: a mean, no std, no interval.
        let one = try XCTUnwrap(Estimate([42]))
        XCTAssertEqual(one.mean, 42); XCTAssertEqual(one.n, 1)
        XCTAssertNil(one.std); XCTAssertNil(one.ci); XCTAssertNil(one.df)
        // n = 2: (40, 44) → 42 ± 12.706·√8/√2 = 42 ± 25.41.
        let two = try XCTUnwrap(Estimate([40, 44]))
        XCTAssertEqual(two.std!, 8.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(two.df, 1)
        XCTAssertEqual(two.ci!.low, 42 - 12.706204736174694 * 2, accuracy: 1e-9)
        XCTAssertEqual(two.ci!.low, 16.58759052765061, accuracy: 1e-9)
        XCTAssertEqual(two.ci!.high, 67.4124094723494, accuracy: 1e-9)
        // n = 3: (10, 12, 17) → 13, s = √13, 13 ± 4.3027·√13/√3.
        let three = try XCTUnwrap(Estimate([10, 12, 17]))
        XCTAssertEqual(three.std!, 13.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(three.ci!.low, 4.043314104970403, accuracy: 1e-9)
        XCTAssertEqual(three.ci!.high, 21.956685895029597, accuracy: 1e-9)
        // NaN and ±∞ (a diverged run, a missing value) are left out; nothing finite → no estimate.
        XCTAssertEqual(Estimate([10, .nan, 12, .infinity, 17]), three)
        XCTAssertNil(Estimate([.nan]))
        XCTAssertNil(Estimate([]))
        XCTAssertNil(three.withinNoise, "plain values are not differences")
    }

    func testPairedDifference() throws {
        func sv(_ pairs: [(Int, Double)]) -> [SeedValue] { pairs.map { SeedValue(seed: $0.0, value: $0.1) } }
        // Seeds in a different order still pair by seed: (12−10, 15−12, 11−11) = (2, 3, 0).
        let d = try XCTUnwrap(Estimate.difference(sv([(1, 12), (2, 15), (3, 11)]), sv([(3, 11), (1, 10), (2, 12)])))
        XCTAssertEqual(d.method, .paired)
        XCTAssertEqual(d.n, 3)
        XCTAssertEqual(d.mean, 5.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(d.std!, 1.5275252316519468, accuracy: 1e-12)               // √(7/3)
        XCTAssertEqual(d.ci!.low, -2.1279163669300925, accuracy: 1e-9)            // scipy ttest_rel
        XCTAssertEqual(d.ci!.high, 5.461249700263426, accuracy: 1e-9)
        XCTAssertEqual(d.withinNoise, true)
        // Same-seed shifts cancel: (40−30, 44−34) = (10, 10) has no spread, clear of 0.
        let clear = try XCTUnwrap(Estimate.difference(sv([(1, 40), (2, 44)]), sv([(1, 30), (2, 34)])))
        XCTAssertEqual(clear.ci, Interval(low: 10, high: 10))
        XCTAssertEqual(clear.withinNoise, false)
        // One pair: a difference, no interval, not judged.
        let single = try XCTUnwrap(Estimate.difference(sv([(1, 26)]), sv([(1, 20)])))
        XCTAssertEqual(single.method, .paired)
        XCTAssertEqual(single.mean, 6)
        XCTAssertNil(single.ci); XCTAssertNil(single.withinNoise)
    }

    func testUnpairedFallsBackToWelch() throws {
        func sv(_ pairs: [(Int, Double)]) -> [SeedValue] { pairs.map { SeedValue(seed: $0.0, value: $0.1) } }
        // Seed 3 has no partner (its baseline run failed): Welch on 3 vs 2 values.
        let w = try XCTUnwrap(Estimate.difference(sv([(1, 12), (2, 15), (3, 11)]), sv([(1, 10), (2, 12), (3, .nan)])))
        XCTAssertEqual(w.method, .welch)
        XCTAssertEqual(w.n, 3); XCTAssertEqual(w.nReference, 2)
        XCTAssertEqual(w.mean, 5.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(w.std!, 2.5166114784235836, accuracy: 1e-12)               // √(s_a² + s_b²) = √(13/3 + 2)
        XCTAssertEqual(w.df!, 2.9244712990936557, accuracy: 1e-9)                 // Welch–Satterthwaite
        XCTAssertEqual(w.ci!.low, -3.382491965230215, accuracy: 1e-9)             // scipy ttest_ind(equal_var=False)
        XCTAssertEqual(w.ci!.high, 6.715825298563547, accuracy: 1e-9)
        XCTAssertEqual(w.withinNoise, true)
        // Welch clear of 0: (26, 27, 31) − (20, 21).
        let c = try XCTUnwrap(Estimate.welch([26, 27, 31], [20, 21]))
        XCTAssertEqual(c.ci!.low, 1.5730826269718392, accuracy: 1e-9)
        XCTAssertEqual(c.ci!.high, 13.42691737302816, accuracy: 1e-9)
        XCTAssertEqual(c.withinNoise, false)
        // Other architectures never pair, even with equal seeds.
        let x = try XCTUnwrap(Estimate.difference(sv([(1, 40), (2, 44)]), sv([(1, 39), (2, 47)]), pairable: false))
        XCTAssertEqual(x.method, .welch)
        XCTAssertEqual(x.df!, 1.4705882352941178, accuracy: 1e-9)
        XCTAssertEqual(x.ci!.low, -28.674091320284255, accuracy: 1e-9)
        // A seed twice on one side cannot pair one to one.
        XCTAssertEqual(Estimate.difference(sv([(1, 40), (1, 44)]), sv([(1, 39), (2, 47)]))?.method, .welch)
        // One value on a side: a difference of means, no std, no interval.
        let thin = try XCTUnwrap(Estimate.welch([40, 44], [39]))
        XCTAssertEqual(thin.mean, 3)
        XCTAssertNil(thin.ci); XCTAssertNil(thin.std); XCTAssertNil(thin.withinNoise)
        XCTAssertNil(Estimate.difference([], sv([(1, 3)])), "no value on one side: no difference")
    }

    func testScaledKeepsMethodAndNoiseMark() throws {
        let d = try XCTUnwrap(Estimate.welch([12, 15, 11], [10, 12])).scaled(by: 0.5)
        XCTAssertEqual(d.mean, 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(d.ci!.low, -3.382491965230215 / 2, accuracy: 1e-9)
        XCTAssertEqual(d.method, .welch)
        XCTAssertEqual(d.withinNoise, true)
    }
}
