// A sweep whose teacher is imported, not trained (issue 18): a FastReID output folder made by
// Scripts/fastreid_fixtures.py (ResNet-50-IBN layout, 128×64) is converted, evaluated and recorded
// as the teacher run, and light students are distilled from it through the teacher-output cache
// (embedding terms: its 32 classes are not the data's). The other checkpoint kinds — an imported
// folder, a .pth with its FastReID config — resolve to the same teacher config. A teacher
// normalised with other pixel statistics sees its own normalisation.
import XCTest
import Foundation
import Tensor
import Config
import NN
import Data
import Store
@testable import Distill

final class ImportedTeacherSweepTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("InteropTests/Fixtures/fastreid").path
    static let data: String = {
        let dir = NSTemporaryDirectory() + "reidkd-imported-teacher-data-\(getpid())"
        var s = SynthConfig()
        s.ids = 16; s.imagesPerId = 4; s.height = 128; s.width = 64; s.distractors = 4; s.junk = 2; s.seed = 5
        _ = try! SynthGenerator(s).write(to: dir, overwrite: true)
        return dir
    }()

    func sweep(_ dir: String, teacher: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        MODEL:
          BACKBONE: {NAME: resnet, DEPTH: 18, WIDTH: 0.125, LAST_STRIDE: 1}
          LOSSES: {NAME: [CrossEntropyLoss, TripletLoss]}
        INPUT: {SIZE_TRAIN: [128, 64], SIZE_TEST: [128, 64]}
        DATALOADER: {NUM_INSTANCE: 2}
        SOLVER: {MAX_EPOCH: 1, IMS_PER_BATCH: 8, BASE_LR: 0.001, WARMUP_ITERS: 2, FREEZE_ITERS: 0}
        TEST: {EVAL_PERIOD: 1, IMS_PER_BATCH: 32}
        DATASETS: {NAMES: [synthetic], TESTS: [synthetic], ROOT: \(Self.data)}
        """.write(toFile: "\(dir)/student.yaml", atomically: true, encoding: .utf8)
        try """
        name: imported
        common: {DATASETS.ROOT: \(Self.data), DATASETS.NAMES: [synthetic], DATASETS.TESTS: [synthetic], TEST.IMS_PER_BATCH: 32}
        teacher: {\(teacher)}
        student: {config: student.yaml}
        grid: {KD.METHOD: [mse, cos]}
        seeds: [1]
        """.write(toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        return "\(dir)/s.yaml"
    }

    func testFastReIDFolderTeachesStudentsThroughTheCache() throws {
        let dir = NSTemporaryDirectory() + "reidkd-imported-sweep-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try sweep(dir, teacher: "checkpoint: \(Self.fixtures)/r50-ibn-folder")
        let store = try ExperimentStore(path: "\(dir)/store.sqlite")
        let runner = try SweepRunner(spec: try SweepSpec.load(path: path), specPath: path, store: store, resultsRoot: "\(dir)/results")
        var logLines: [String] = []
        runner.log = { logLines.append($0) }
        defer { if testRun?.hasSucceeded == false { print(logLines.joined(separator: "\n")) } }
        let teacherConfig = runner.runs[0].config
        XCTAssertEqual(teacherConfig.peek(\ModelKeys.depth), 50)
        XCTAssertEqual(teacherConfig.peek(\ModelKeys.withIBN), true)
        XCTAssertEqual(teacherConfig.peek(\ModelKeys.stemPool), "fastreid")
        XCTAssertEqual(teacherConfig.peek(\DatasetKeys.root), Self.data, "common overrides apply to the imported teacher too")
        let ds = try runner.dataset(for: teacherConfig)
        let sweep = try runner.record(fingerprint: try ds.fingerprint())
        XCTAssertEqual(try runner.work(sweep: sweep, roles: [.teacher], dataset: ds).finished, 1)
        let teacherRun = try XCTUnwrap(try store.runs(RunFilter(sweep: sweep.id, roles: [.teacher])).first)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/results/imported/teacher/model.safetensors"), "converted checkpoint")
        XCTAssertNotNil(try store.summary(run: teacherRun.id)["mAP"])
        XCTAssertTrue(try store.metricKeys(run: teacherRun.id).isEmpty, "evaluated, never trained")
        let s = try runner.work(sweep: sweep, roles: [.baseline, .student], dataset: ds)
        XCTAssertEqual(s.finished, 2, "mse and cos students")
        let students = try store.runs(RunFilter(sweep: sweep.id, roles: [.student]))
        XCTAssertEqual(students.count, 2)
        // The second student meets the first one's teacher outputs in the cache.
        let rates = try students.map { try store.summary(run: $0.id)["teacher_cache_hit_rate"] ?? -1 }
        XCTAssertEqual(rates, [0, 1])
        XCTAssertFalse(try store.metricKeys(run: students[0].id).filter { $0 == "loss_kd_mse" }.isEmpty)
    }

    func testEveryCheckpointKindGivesTheSameTeacherConfig() throws {
        let dir = NSTemporaryDirectory() + "reidkd-imported-kinds-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = "\(Self.fixtures)/r50-ibn-folder"
        func teacherConfig(_ teacher: String) throws -> ResolvedConfig {
            let path = try sweep(dir, teacher: teacher)
            let runner = try SweepRunner(spec: try SweepSpec.load(path: path), specPath: path,
                                         store: try ExperimentStore(path: "\(dir)/store.sqlite"), resultsRoot: "\(dir)/results")
            return runner.runs[0].config
        }
        let fromFolder = try teacherConfig("checkpoint: \(folder)")
        let fromPth = try teacherConfig("checkpoint: \(folder)/model_final.pth, config: \(folder)/config.yaml")
        try FileManager.default.createDirectory(atPath: "\(dir)/imported", withIntermediateDirectories: true)
        try ImportedCheckpoint.make(source: folder).save(to: "\(dir)/imported/model.safetensors")
        let fromImported = try teacherConfig("checkpoint: \(dir)/imported")
        XCTAssertEqual(fromPth.sha256, fromFolder.sha256)
        XCTAssertEqual(fromImported.sha256, fromFolder.sha256)
        XCTAssertEqual(try teacherConfig("checkpoint: \(folder)/model_final.pth").sha256, fromFolder.sha256, "its config.yaml is next to it")
        // Outside a sweep, KD.TEACHER_WEIGHTS alone names an imported teacher (its checkpoint carries the config).
        let student = try RunConfig.schema.load(overrides: ["KD.METHOD", "mse", "KD.TEACHER_WEIGHTS", "\(dir)/imported/model.safetensors"])
        let t = try Teacher.named(by: student, numClasses: 8)
        XCTAssertEqual(t.config.sha256, try ImportedCheckpoint.make(source: folder).config.sha256)
        XCTAssertEqual(t.model.spec.stemPool, "fastreid")
        XCTAssertThrowsError(try teacherConfig("checkpoint: \(dir)/nothing-here")) { e in
            XCTAssertTrue("\(e)".contains("does not exist"), "\(e)")
        }
    }

    func testTheExampleSweepFilePlans() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments/imported.yaml").path
        let spec = try SweepSpec.load(path: path)
        XCTAssertEqual(spec.teacher?.checkpoint, "../results/fastreid-r50-ibn")
        XCTAssertEqual(SweepPlan(spec).runs.map(\.role), [.teacher, .baseline, .student, .student])
    }

    func testTeacherSeesItsOwnPixelNormalisation() throws {
        let dir = NSTemporaryDirectory() + "reidkd-imported-norm-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try RunConfig.schema.load(overrides: ["MODEL.BACKBONE.DEPTH", "18", "MODEL.BACKBONE.WIDTH", "0.125",
                                                      "MODEL.PIXEL_MEAN", "[127.5, 127.5, 127.5]", "MODEL.PIXEL_STD", "[127.5, 127.5, 127.5]"])
        let teacher = Teacher(model: try ReidModel(spec: ModelSpec(config: c, numClasses: 4, inputSize: [32, 16]), seed: 1), config: c)
        let student = RunConfig.defaults   // ImageNet statistics
        teacher.matchInput(of: student)
        var rng = RandomGenerator(seed: 2)
        let raw = Tensor.uniform([2, 3, 32, 16], low: 0, high: 255, rng: &rng)
        func normalise(_ mean: [Double], _ std: [Double]) -> Tensor {
            Tensor(shape: raw.shape, scalars: raw.scalars.enumerated().map { i, v in
                let ch = (i / (32 * 16)) % 3
                return (v - Float(mean[ch])) / Float(std[ch])
            })
        }
        let viaStudent = teacher.forward(normalise(student.peek(\ModelKeys.pixelMean), student.peek(\ModelKeys.pixelStd)), stages: false)
        let direct = withNoGrad { teacher.model.forward(normalise([127.5, 127.5, 127.5], [127.5, 127.5, 127.5]), targets: nil) }
        let d = zip(viaStudent.embedding.scalars, direct.head.preNeck.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(d, 1e-4)
        teacher.matchInput(of: c)
        XCTAssertNil(teacher.inputAffine, "same statistics: no change")
    }
}
