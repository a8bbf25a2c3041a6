// Several teachers and a teacher assistant: the plan (runs, dependencies, KD.TEACHER_MIX), the
// weighted combination of teacher outputs, and tiny sweeps where the students learn from two
// teachers at once, or from an assistant distilled from the teacher first — each run starting
// only once the runs it needs have finished.
import XCTest
import Foundation
import Tensor
import Store
import Config
import NN
@testable import Distill

final class TeacherStagesTests: XCTestCase {
    func testPlanOfTeachersAndAssistant() throws {
        let multi = try SweepSpec.parse("""
            name: m
            teachers: {a: {config: t.yaml, weight: 3}, b: {config: t.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.5}}}
            student: {config: s.yaml}
            grid: {KD.METHOD: [kl]}
            """)
        let p = SweepPlan(multi).runs
        XCTAssertEqual(p.map(\.name), ["teacher-a", "teacher-b", "student-METHOD=kl-s1"])
        XCTAssertEqual(p[2].dependsOn, ["teacher-a", "teacher-b"])
        XCTAssertTrue(p[2].overrides.contains { $0.key == "KD.TEACHER_MIX" && $0.value == "[teacher-a=3.0, teacher-b=1.0]" })
        let ta = try SweepSpec.parse("""
            name: t
            teacher: {config: t.yaml}
            assistant: {config: a.yaml, opts: {KD.METHOD: kl}}
            student: {config: s.yaml}
            grid: {KD.METHOD: [kl]}
            baseline: true
            """)
        let q = SweepPlan(ta).runs
        XCTAssertEqual(q.map(\.name), ["teacher", "assistant", "student-baseline-s1", "student-METHOD=kl-s1"])
        XCTAssertEqual(q[1].role, .teacher); XCTAssertEqual(q[1].dependsOn, ["teacher"])
        XCTAssertTrue(q[1].overrides.contains { $0.key == "KD.TEACHER_MIX" && $0.value == "[teacher=1.0]" })
        XCTAssertEqual(q[3].dependsOn, ["assistant"]); XCTAssertEqual(q[2].dependsOn, [], "baselines need no teacher")
        XCTAssertTrue(q[3].overrides.contains { $0.key == "KD.TEACHER_MIX" && $0.value == "[assistant=1.0]" })
        XCTAssertThrowsError(try SweepSpec.parse("name: x\nteacher: {config: t.yaml}\nteachers: {a: {config: t.yaml}}\nstudent: {config: s.yaml}\nbaseline: true")) {
            XCTAssertTrue("\($0)".contains("either 'teacher' or 'teachers'"))
        }
        XCTAssertThrowsError(try SweepSpec.parse("name: x\nassistant: {config: a.yaml}\nstudent: {config: s.yaml}\nbaseline: true")) {
            XCTAssertTrue("\($0)".contains("'assistant' is distilled from the teacher"))
        }
    }

    func testTeacherOutputsAreCombinedByWeight() throws {
        let dirs = (0..<2).map { _ in NSTemporaryDirectory() + "reidkd-mix-\(UUID().uuidString)" }
        defer { for d in dirs { try? FileManager.default.removeItem(atPath: d) } }
        let a = try TrainerTests.makeTeacher(dirs[0]), b = try TrainerTests.makeTeacher(dirs[1], iterations: 2)
        let c = try TrainerTests.config(["KD.METHOD", "kl+mse"], out: dirs[0] + "-s")
        let data = try TrainingData(config: c)
        let side = try TeacherSide([(a, 3), (b, 1)], needs: [.logits, .embedding], cacheRoot: nil, datasetFingerprint: { "" }, student: c)
        XCTAssertEqual(side.members.map(\.weight), [0.75, 0.25])
        let batch = try data.trainLoader.batch(indices: Array(0..<4))
        let mixed = try side.outputs(batch, samplesInEpoch: 4)
        let oa = a.forward(batch.images, stages: false), ob = b.forward(batch.images, stages: false)
        for i in 0..<mixed.logits.count {
            XCTAssertEqual(mixed.logits.pointer[i], 0.75 * oa.logits.pointer[i] + 0.25 * ob.logits.pointer[i], accuracy: 1e-4)
        }
        // Stage maps of different teachers cannot be averaged: such terms need one teacher.
        XCTAssertThrowsError(try TeacherSide([(a, 3), (b, 1)], needs: [.logits, .stages], cacheRoot: nil, datasetFingerprint: { "" }, student: c)) {
            XCTAssertTrue("\($0)".contains("need one teacher"), "\($0)")
        }
        for i in 0..<mixed.embedding.count {
            XCTAssertEqual(mixed.embedding.pointer[i], 0.75 * oa.embedding.pointer[i] + 0.25 * ob.embedding.pointer[i], accuracy: 1e-4)
        }
        XCTAssertThrowsError(try TeacherSide([(a, 1), (b, 1)], needs: [.stages], cacheRoot: nil, datasetFingerprint: { "" }, student: c))
    }

    func runSweep(_ yaml: String, _ tag: String) throws -> (ExperimentStore, Sweep, String) {
        let dir = NSTemporaryDirectory() + "reidkd-\(tag)-\(UUID().uuidString)"
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 1, evalPeriod: 1)
        try yaml.write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/s.yaml"), specPath: "\(dir)/s.yaml", store: store, resultsRoot: "\(dir)/results")
        runner.log = { _ in }
        let ds = try runner.dataset(for: runner.runs[0].config)
        let sweep = try runner.record(fingerprint: try ds.fingerprint())
        _ = try runner.work(sweep: sweep, roles: Set(RunRole.allCases), dataset: ds)
        return (store, sweep, dir)
    }

    func testStudentsLearnFromTwoTeachersAfterBothFinish() throws {
        let (store, sweep, dir) = try runSweep("""
            name: two
            teachers: {a: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25}, weight: 2}, b: {config: base.yaml}}
            student: {config: base.yaml}
            grid: {KD.METHOD: [kl]}
            """, "two-teachers")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runs = try store.runs(RunFilter(sweep: sweep.id))
        XCTAssertEqual(runs.map(\.status), [.finished, .finished, .finished])
        let student = runs[2]
        XCTAssertEqual(student.dependsOn, ["teacher-a", "teacher-b"])
        XCTAssertTrue(runs.prefix(2).allSatisfy { $0.finishedAt! <= student.startedAt! }, "the student starts after both teachers")
        XCTAssertEqual(try store.params(run: student.id)["KD.TEACHER_MIX"], "[\"teacher-a=2.0\",\"teacher-b=1.0\"]")
        XCTAssertNotNil(try store.latestMetrics(run: student.id)["loss_kd"])
    }

    func testAssistantIsDistilledFromTheTeacherThenTeachesTheStudents() throws {
        let (store, sweep, dir) = try runSweep("""
            name: ta
            teacher: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.25}}
            assistant: {config: base.yaml, opts: {MODEL.BACKBONE.WIDTH: 0.1875, KD.METHOD: kl}}
            student: {config: base.yaml}
            grid: {KD.METHOD: [kl]}
            """, "assistant")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runs = try store.runs(RunFilter(sweep: sweep.id))
        XCTAssertEqual(runs.map(\.name), ["teacher", "assistant", "student-METHOD=kl-s1"])
        XCTAssertEqual(runs.map(\.status), [.finished, .finished, .finished])
        XCTAssertLessThanOrEqual(runs[0].finishedAt!, runs[1].startedAt!)
        XCTAssertLessThanOrEqual(runs[1].finishedAt!, runs[2].startedAt!)
        XCTAssertNotNil(try store.latestMetrics(run: runs[1].id)["loss_kd"], "the assistant is distilled")
        XCTAssertEqual(try store.params(run: runs[2].id)["KD.TEACHER_MIX"], "[\"assistant=1.0\"]")
    }

    /// A given teacher brings its own config; the assistant is built from its own, not from it,
    /// and trains (a given teacher's run builds no train sampler; the assistant's must).
    func testAssistantOfAGivenTeacherKeepsItsOwnConfigAndTrains() throws {
        let dir = NSTemporaryDirectory() + "reidkd-given-ta-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TrainerTests.makeTeacher("\(dir)/t", iterations: 1)   // width 0.25, config in the checkpoint
        let runner = try givenRunner(dir, """
            name: given-ta
            teacher: {checkpoint: t/model.safetensors}
            assistant: {config: base.yaml, opts: {KD.METHOD: kl}}
            student: {config: base.yaml}
            grid: {KD.METHOD: [kl]}
            """)
        XCTAssertEqual(runner.runs.map(\.planned.name), ["teacher", "assistant", "student-METHOD=kl-s1"])
        XCTAssertEqual(runner.runs[0].config.peek(\ModelKeys.width), 0.25, "the teacher run starts from its checkpoint's config")
        XCTAssertEqual(runner.runs[1].config.peek(\ModelKeys.width), 0.125, "the assistant is built from base.yaml")
        XCTAssertEqual(runner.runs[1].config.peek(\KDKeys.teacherMix), ["teacher=1.0"])
        let runs = try work(runner)
        XCTAssertEqual(runs.map(\.status), [.finished, .finished, .finished])
        XCTAssertNotNil(try runner.store.latestMetrics(run: runs[1].id)["loss_kd"], "the assistant is distilled")
    }

    /// Each of several `teachers:` may be given by a checkpoint that carries its config.
    func testSeveralTeachersGivenByCheckpoints() throws {
        let dir = NSTemporaryDirectory() + "reidkd-given-mix-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TrainerTests.makeTeacher("\(dir)/t", iterations: 1)
        let runner = try givenRunner(dir, """
            name: given-mix
            teachers: {a: {checkpoint: t/model.safetensors, weight: 2}, b: {config: base.yaml}}
            student: {config: base.yaml}
            grid: {KD.METHOD: [kl]}
            """)
        XCTAssertEqual(runner.runs[0].config.peek(\ModelKeys.width), 0.25)
        XCTAssertEqual(runner.runs[1].config.peek(\ModelKeys.width), 0.125)
        let runs = try work(runner)
        XCTAssertEqual(runs.map(\.status), [.finished, .finished, .finished])
        XCTAssertNil(try runner.store.latestMetrics(run: runs[0].id)["loss_total"], "a given teacher is evaluated, not trained")
    }

    func givenRunner(_ dir: String, _ yaml: String) throws -> SweepRunner {
        try TrainerTests.writeBaseConfig(dir, maxEpoch: 1, evalPeriod: 1)
        try yaml.write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: "\(dir)/s.yaml"), specPath: "\(dir)/s.yaml", store: store, resultsRoot: "\(dir)/results")
        runner.log = { _ in }
        return runner
    }

    func work(_ runner: SweepRunner) throws -> [Run] {
        let ds = try runner.dataset(for: runner.runs[0].config)
        let sweep = try runner.record(fingerprint: try ds.fingerprint())
        _ = try runner.work(sweep: sweep, roles: Set(RunRole.allCases), dataset: ds)
        return try runner.store.runs(RunFilter(sweep: sweep.id))
    }

    func testRunsBlockedByAFailedTeacherAreFailed() throws {
        let dir = NSTemporaryDirectory() + "reidkd-blocked-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ExperimentStore(path: "\(dir)/s.sqlite")
        let sweep = try store.findOrCreateSweep(name: "b", spec: "")
        let rs = try store.enqueue([RunSpec(name: "teacher", role: .teacher, config: "{}", configHash: "t", seed: 1),
                                    RunSpec(name: "assistant", role: .teacher, config: "{}", configHash: "a", seed: 1, dependsOn: ["teacher"])], sweep: sweep)
        XCTAssertEqual(try store.nextClaimableRun(sweep: sweep.id)?.name, "teacher")
        _ = try store.start(rs[0].id)
        XCTAssertNil(try store.nextClaimableRun(sweep: sweep.id), "the assistant waits for its teacher")
        try store.markFailed(rs[0].id, error: "boom")
        XCTAssertEqual(try store.failBlockedRuns(sweep: sweep.id), [rs[1].id])
        XCTAssertTrue(try store.run(rs[1].id).error?.contains("run teacher, which this run needs, ended failed") == true)
    }
}
