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
        // Done work in seconds: 2 teacher epochs (20 s) + 1 of a (2 s) of 20 + 8 + 8.
        XCTAssertEqual(p.fraction, 22.0 / 36, accuracy: 1e-12)
        XCTAssertEqual(p.line(width: 10), "sweep [██████░░░░]  61%, ETA 14s")
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

    /// Work left is shared by the concurrent workers, but students cannot start before their
    /// teacher ends: the ETA is the longer of the two.
    func testETASharesWorkAmongWorkersAfterTheChainOfDependentRuns() {
        var p = SweepProgress([
            .init(name: "teacher", epochs: 2, costClass: "t", role: "teacher"),
            .init(name: "c", epochs: 4, costClass: "s", role: "student"),
            .init(name: "a", epochs: 4, costClass: "s+kd", role: "student", dependsOn: ["teacher"]),
            .init(name: "b", epochs: 4, costClass: "s+kd", role: "student", dependsOn: ["teacher"]),
        ])
        p.workers = 2
        let t0 = Date(timeIntervalSince1970: 1000)
        p.start("teacher", now: t0)
        p.epochEnded("teacher", epoch: 1, now: t0 + 10)
        p.markComplete(["c"])
        p.learn("c", epochSeconds: [2, 2, 2, 2])
        // Unseen "s+kd" borrows the students' 2 s, not the teacher's 10 s. Work left 10 + 8 + 8
        // over 2 workers is 13 s; the chain teacher → a is 10 + 8 = 18 s.
        XCTAssertEqual(p.etaSeconds!, 18, accuracy: 1e-9)
        p.epochEnded("teacher", epoch: 2, now: t0 + 20)
        XCTAssertEqual(p.etaSeconds!, 8, accuracy: 1e-9, "a and b side by side")
        p.workers = 1
        XCTAssertEqual(p.etaSeconds!, 16, accuracy: 1e-9)
        p.learn("c", epochSeconds: [4, 4, 4, 4])
        XCTAssertEqual(p.etaSeconds!, 32, accuracy: 1e-9, "a later look replaces a run's recorded times")
        p.learn("teacher", epochSeconds: [100, 100])
        XCTAssertEqual(p.etaSeconds!, 32, accuracy: 1e-9, "a run timed here ignores what the store says of it")
    }

    /// A run still training in another worker: its epochs recorded so far count as done and
    /// price its class.
    func testRunningRunElsewhereCountsItsRecordedEpochs() {
        var p = SweepProgress([
            .init(name: "teacher", epochs: 4, costClass: "t", role: "teacher"),
            .init(name: "c", epochs: 4, costClass: "s", role: "student"),
            .init(name: "a", epochs: 4, costClass: "s", role: "student", dependsOn: ["teacher"]),
        ])
        p.workers = 2
        let t0 = Date(timeIntervalSince1970: 1000)
        p.start("c", now: t0)
        p.epochEnded("c", epoch: 1, now: t0 + 2)
        // Before it knows the teacher, the student worker prices it as a student: 3·2 + 4·2 + 4·2.
        XCTAssertEqual(p.etaSeconds!, max(22.0 / 2, 8 + 8), accuracy: 1e-9)
        p.learn("teacher", epochSeconds: [10, 10])
        // Teacher: 2 epochs left at 10 s, then a (8 s) after it; c has 6 s left.
        XCTAssertEqual(p.etaSeconds!, 28, accuracy: 1e-9)
        XCTAssertEqual(p.fraction, (20.0 + 2) / (40 + 8 + 8), accuracy: 1e-12)
    }

    func testWorkerCountFromTheSupervisorsEnvironment() {
        XCTAssertEqual(SweepWorker.concurrentWorkers([:]), 1)
        XCTAssertEqual(SweepWorker.concurrentWorkers([SweepWorker.workersVariable: "3"]), 3)
        XCTAssertEqual(SweepWorker.concurrentWorkers([SweepWorker.workersVariable: "0"]), 1)
        XCTAssertEqual(SweepWorker.concurrentWorkers([SweepWorker.workersVariable: "x"]), 1)
    }

    func testDurationFormat() {
        XCTAssertEqual(SweepProgress.duration(42), "42s")
        XCTAssertEqual(SweepProgress.duration(400), "6m40s")
        XCTAssertEqual(SweepProgress.duration(3900), "1h05m")
    }
}
