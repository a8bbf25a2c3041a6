// Sweep progress: epoch accounting and an ETA that prices each cost class by its own timed epochs.
import XCTest
@testable import Distill

final class SweepProgressTests: XCTestCase {
    func testETAUsesPerClassEpochTimes() {
        var p = SweepProgress([
            .init(name: "teacher", epochs: 2, costClass: "t"),
            .init(name: "a", epochs: 4, costClass: "s"),
            .init(name: "b", epochs: 4, costClass: "s"),
        ])
        XCTAssertNil(p.etaSeconds)
        XCTAssertTrue(p.line().contains("ETA –"))
        let t0 = Date(timeIntervalSince1970: 1000)
        p.start("teacher", now: t0)
        p.epochEnded("teacher", epoch: 1, now: t0 + 10)
        // Unseen student class borrows the mean of seen classes: 1 teacher epoch + 8 student epochs at 10 s.
        XCTAssertEqual(p.etaSeconds!, 90, accuracy: 1e-9)
        p.epochEnded("teacher", epoch: 2, now: t0 + 20)
        p.start("a", now: t0 + 20)
        p.epochEnded("a", epoch: 1, now: t0 + 22)
        // 3 epochs of a + 4 of b at 2 s each.
        XCTAssertEqual(p.etaSeconds!, 14, accuracy: 1e-9)
        XCTAssertEqual(p.fraction, 0.3, accuracy: 1e-12)
        XCTAssertEqual(p.line(width: 10), "sweep [███░░░░░░░]  30%, ETA 14s")
        // Another worker finished b.
        p.markComplete(["b"])
        XCTAssertEqual(p.etaSeconds!, 6, accuracy: 1e-9)
    }

    /// A fresh worker process learns epoch times from the runs the store says are finished.
    func testETAFromEpochTimesRecordedElsewhere() {
        var p = SweepProgress([.init(name: "teacher", epochs: 2, costClass: "t"), .init(name: "a", epochs: 4, costClass: "s")])
        p.markComplete(["teacher"])
        p.learn("teacher", epochSeconds: [10, 20])
        XCTAssertEqual(p.etaSeconds!, 60, accuracy: 1e-9, "4 student epochs at the only known mean, 15 s")
        p.learn("nope", epochSeconds: [1])
        XCTAssertEqual(p.etaSeconds!, 60, accuracy: 1e-9, "an unknown run changes nothing")
    }

    func testDurationFormat() {
        XCTAssertEqual(SweepProgress.duration(42), "42s")
        XCTAssertEqual(SweepProgress.duration(400), "6m40s")
        XCTAssertEqual(SweepProgress.duration(3900), "1h05m")
    }
}
