// A sweep whose process is killed mid-run resumes from the run's last checkpoint when the sweep
// is run again, and ends with the same weights as an uninterrupted run. The victim is this test
// binary re-run with REIDKD_SWEEP_CHILD set (as ShapeErrorTests does for its crash case).
import XCTest
import Foundation
import Store
import NN
@testable import Distill

final class KilledSweepTests: XCTestCase {
    static func writeSweep(_ dir: String) throws {
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 4, evalPeriod: 100)
        try "name: k\nstudent: {config: base.yaml}\nseeds: [1]\nbaseline: true\n"
            .write(toFile: "\(dir)/k.yaml", atomically: true, encoding: .utf8)
    }

    static func runSweep(_ dir: String) throws -> (ExperimentStore, SweepRunner, Sweep) {
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/k.yaml"), specPath: "\(dir)/k.yaml", store: store,
                                     resultsRoot: "\(dir)/results")
        runner.log = { _ in }
        let ds = try runner.dataset(for: runner.runs[0].config)
        let sweep = try runner.record(fingerprint: ds.fingerprint())
        _ = try runner.work(sweep: sweep, roles: [.baseline, .student], dataset: ds)
        return (store, runner, sweep)
    }

    /// Child side: runs the sweep until the parent kills it.
    func testSweepChild() throws {
        guard let dir = ProcessInfo.processInfo.environment["REIDKD_SWEEP_CHILD"] else { return }
        _ = try KilledSweepTests.runSweep(dir)
    }

    func testKilledSweepResumes() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        guard binary.path.hasSuffix(".xctest") else { throw XCTSkip("test binary not found; cannot spawn the sweep process") }
        let dir = NSTemporaryDirectory() + "reidkd-killed-\(UUID().uuidString)", straight = dir + "-straight"
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: straight) }
        try KilledSweepTests.writeSweep(dir)
        try KilledSweepTests.writeSweep(straight)
        let p = Process()
        p.executableURL = binary
        p.arguments = ["DistillTests.KilledSweepTests/testSweepChild"]
        var env = ProcessInfo.processInfo.environment
        env["REIDKD_SWEEP_CHILD"] = dir
        p.environment = env
        p.standardOutput = Pipe(); p.standardError = Pipe()
        try p.run()
        // Kill it once the first epoch's checkpoint is on disk (the run is mid-training).
        let state = "\(dir)/results/k/student-baseline-s1/model.state.safetensors"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: state) && p.isRunning && Date() < deadline { usleep(2000) }
        XCTAssertTrue(p.isRunning, "the sweep finished before it could be killed; make the run longer")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        let (store, _, sweep) = try KilledSweepTests.runSweep(dir)
        let run = try XCTUnwrap(try store.runs(RunFilter(sweep: sweep.id)).first)
        XCTAssertEqual(run.status, .finished)
        XCTAssertEqual(run.attempts, 2, "claimed once by the killed process, once by the resume")
        let (straightStore, _, straightSweep) = try KilledSweepTests.runSweep(straight)
        XCTAssertEqual(try straightStore.runs(RunFilter(sweep: straightSweep.id)).first?.status, .finished)
        let a = try Checkpoint.load("\(dir)/results/k/student-baseline-s1/model.safetensors").stateDict
        let b = try Checkpoint.load("\(straight)/results/k/student-baseline-s1/model.safetensors").stateDict
        XCTAssertEqual(a.map(\.0), b.map(\.0))
        XCTAssertEqual(a.flatMap { $0.1.scalars }, b.flatMap { $0.1.scalars }, "resumed run must equal the uninterrupted one")
    }
}
