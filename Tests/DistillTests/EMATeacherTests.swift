// Mean-teacher self-distillation (KD.TEACHER: ema): the teacher starts as a copy of the student,
// moves by θ_T ← d·θ_T + (1 − d)·θ_S after each step, needs no given teacher, bypasses the cache,
// and a resumed run equals an uninterrupted one (the moving teacher is saved with the run).
import XCTest
import Foundation
import Tensor
import NN
@testable import Distill

final class EMATeacherTests: XCTestCase {
    func testUpdateIsTheMovingAverage() throws {
        let student = try ReidModel(spec: { var s = ModelSpec(); s.depth = 18; s.width = 0.125; s.numClasses = 4; s.inputSize = [32, 16]; return s }(), seed: 1)
        let ema = try EMATeacher(student: student, config: RunConfig.defaults, decay: 0.75)
        XCTAssertEqual(ema.teacher.model.stateDict().flatMap { $0.1.scalars }, student.stateDict().flatMap { $0.1.scalars }, "starts as a copy")
        let before = ema.teacher.model.stateDict().map { $0.1.scalars }
        for (_, t) in student.stateDict() { for i in 0..<t.count { t.pointer[i] += 1 } }
        ema.update()
        for ((b, (_, t)), (_, s)) in zip(zip(before, ema.teacher.model.stateDict()), student.stateDict()) {
            for i in 0..<t.count { XCTAssertEqual(t.pointer[i], 0.75 * b[i] + 0.25 * s.pointer[i], accuracy: 1e-5) }
        }
        XCTAssertFalse(ema.teacher.model.isTraining)
        XCTAssertTrue(ema.teacher.model.parameters().allSatisfy { !$0.requiresGrad })
    }

    func trainer(_ out: String, _ extra: [String], resume: Bool = false) throws -> Trainer {
        let c = try TrainerTests.config(["KD.METHOD", "kl+mse", "KD.TEACHER", "ema", "KD.EMA_DECAY", "0.9"] + extra, out: out)
        var o = TrainerOptions(outputDir: out); o.resume = resume; o.teacherCacheRoot = out + "/cache"
        let t = try Trainer(config: c, data: try TrainingData(config: c), teacher: nil, options: o)
        t.onLog = { _ in }
        return t
    }

    func testSelfDistillationTrainsWithoutAGivenTeacherAndResumesExactly() throws {
        let a = NSTemporaryDirectory() + "reidkd-ema-a-\(UUID().uuidString)", b = NSTemporaryDirectory() + "reidkd-ema-b-\(UUID().uuidString)"
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let straight = try trainer(a, [])
        var losses: [String] = []
        straight.onMetric = { k, _, _, _ in if k.hasPrefix("loss_kd") && !losses.contains(k) { losses.append(k) } }
        let r = try straight.run()
        XCTAssertNil(r.teacherCacheHitRate, "a moving teacher is never cached")
        XCTAssertEqual(Set(losses), ["loss_kd", "loss_kd_mse"])
        XCTAssertNotEqual(straight.ema!.teacher.model.stateDict().flatMap { $0.1.scalars }, straight.model.stateDict().flatMap { $0.1.scalars })
        _ = try trainer(b, ["SOLVER.MAX_EPOCH", "1"]).run()
        let resumed = try trainer(b, [], resume: true)
        _ = try resumed.run()
        XCTAssertEqual(resumed.model.stateDict().flatMap { $0.1.scalars }, straight.model.stateDict().flatMap { $0.1.scalars })
        XCTAssertEqual(resumed.ema!.teacher.model.stateDict().flatMap { $0.1.scalars }, straight.ema!.teacher.model.stateDict().flatMap { $0.1.scalars })
    }
}
