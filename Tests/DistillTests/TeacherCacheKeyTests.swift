// The teacher-output cache key is complete: every input-pipeline key, the teacher's weights and
// the dataset's content select the cache folder, so a grid over any of them never reads another
// student's rows; within one variant, cold, warm and no-cache runs give the same losses.
import XCTest
import Foundation
import Config
import NN
import Data
import Tensor
@testable import Distill

final class TeacherCacheKeyTests: XCTestCase {
    /// A different valid value for a key (its type and range permitting).
    static func otherValue(_ spec: ConfigKey, _ v: ConfigValue) -> Any {
        func other(_ t: ValueType, _ v: ConfigValue) -> Any {
            switch (t, v) {
            case (.int(let r), .int(let i)): return r.contains(i + 1) ? i + 1 : i - 1
            case (.intChoice(let c), .int(let i)): return c.first { $0 != i }!
            case (.double(let r), .double(let d)): return r.contains(d + 0.125) ? d + 0.125 : d - 0.125
            case (.string(let c), .string(let s)): return c?.first { $0 != s } ?? s + "x"
            case (.bool, .bool(let b)): return !b
            case (.list(let e, _), .list(let xs)) where xs.isEmpty:
                switch e {
                case .int(let r): return [r.lowerBound]
                case .intChoice(let c): return [c[0]]
                case .double(let r): return [r.lowerBound]
                case .string(let c): return [c?.first ?? "x"]
                default: return [true]
                }
            case (.list(let e, _), .list(let xs)):
                var out: [Any] = xs.map(\.plainValue)
                out[0] = other(e, xs[0])
                return out
            default: fatalError("no other value for \(spec.key)")
            }
        }
        return other(spec.type, v)
    }

    func key(_ c: ResolvedConfig, weights: String = "w", data: String = "d") -> TeacherCacheKey {
        TeacherCacheKey(teacherWeights: weights, datasetFingerprint: data, pipeline: c.canonicalJSON(keys: TeacherCacheKey.pipelineKeys))
    }

    func testEveryPipelineKeyChangesTheKeyAndNothingElseDoes() throws {
        let base = RunConfig.defaults
        let k0 = key(base).digest
        let pipeline = Set(TeacherCacheKey.pipelineKeys)
        XCTAssertTrue(pipeline.isSuperset(of: ["INPUT.SIZE_TRAIN", "INPUT.REA.PROB", "INPUT.PADDING.MODE", "INPUT.CJ.HUE",
                                               "DATALOADER.NUM_INSTANCE", "DATALOADER.SAMPLER_TRAIN",
                                               "SOLVER.IMS_PER_BATCH", "SEED", "MODEL.PIXEL_MEAN"]))
        for spec in RunConfig.schema.keys {
            let changed = try base.setting(spec.key, Self.otherValue(spec, spec.defaultValue))
            if pipeline.contains(spec.key) {
                XCTAssertNotEqual(key(changed).digest, k0, "\(spec.key) decides the teacher's input but not the cache key")
            } else {
                XCTAssertEqual(key(changed).digest, k0, "\(spec.key) does not change a cached row but changes the key")
            }
        }
        XCTAssertFalse(pipeline.contains("DATALOADER.NUM_WORKERS"), "threads do not change batches")
        XCTAssertNotEqual(key(base, weights: "w2").digest, k0)
        XCTAssertNotEqual(key(base, data: "d2").digest, k0)
    }

    /// One student epoch against `teacher`; returns its per-iteration total losses and hit rate.
    func run(_ opts: [String], teacher: Teacher, cache: String?) throws -> (losses: [Double], hitRate: Double?) {
        let out = NSTemporaryDirectory() + "reidkd-cachekey-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let c = try TrainerTests.config(["KD.METHOD", "kl+mse", "SOLVER.MAX_EPOCH", "1"] + opts, out: out)
        var o = TrainerOptions(outputDir: out); o.logPeriod = 1; o.teacherCacheRoot = cache
        let t = try Trainer(config: c, data: try TrainingData(config: c), teacher: teacher, options: o)
        t.onLog = { _ in }
        var losses: [Double] = []
        t.onMetric = { k, _, _, v in if k == "loss_total" { losses.append(v) } }
        let r = try t.run()
        return (losses, r.teacherCacheHitRate)
    }

    func testGridVariantsNeverCrossHitAndCachedLossesMatchOnline() throws {
        let tdir = NSTemporaryDirectory() + "reidkd-cachekey-teacher-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tdir) }
        let teacher = try TrainerTests.makeTeacher(tdir)
        let grids: [(String, [[String]])] = [
            ("INPUT.SIZE_TRAIN", [["INPUT.SIZE_TRAIN", "[32, 16]"], ["INPUT.SIZE_TRAIN", "[40, 20]"]]),
            ("INPUT.REA.PROB", [["INPUT.REA.PROB", "0.0"], ["INPUT.REA.PROB", "0.9"]]),
            ("DATALOADER.NUM_INSTANCE", [["DATALOADER.NUM_INSTANCE", "2"], ["DATALOADER.NUM_INSTANCE", "4"]]),
        ]
        for (name, variants) in grids {
            let cache = NSTemporaryDirectory() + "reidkd-cachekey-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: cache) }
            for v in variants {
                let online = try run(v, teacher: teacher, cache: nil)
                let cold = try run(v, teacher: teacher, cache: cache)
                let warm = try run(v, teacher: teacher, cache: cache)
                XCTAssertEqual(cold.hitRate, 0, "\(name) \(v[1]): the first run of a variant finds nothing of the other variant's")
                XCTAssertEqual(warm.hitRate, 1, "\(name) \(v[1]): the second run reads its own rows")
                XCTAssertEqual(cold.losses, online.losses, "\(name) \(v[1]): cold cache = no cache")
                XCTAssertEqual(warm.losses, online.losses, "\(name) \(v[1]): warm cache = no cache")
            }
        }
    }

    func testRetrainedTeacherWithTheSameConfigNeverReusesTheCache() throws {
        let a = NSTemporaryDirectory() + "reidkd-cachekey-ta-\(UUID().uuidString)"
        let b = NSTemporaryDirectory() + "reidkd-cachekey-tb-\(UUID().uuidString)"
        let cache = NSTemporaryDirectory() + "reidkd-cachekey-\(UUID().uuidString)"
        defer { for d in [a, b, cache] { try? FileManager.default.removeItem(atPath: d) } }
        let first = try TrainerTests.makeTeacher(a)
        let second = try TrainerTests.makeTeacher(b, iterations: 3)   // same config, other weights
        XCTAssertEqual(first.config.sha256, second.config.sha256)
        XCTAssertNotEqual(first.weightsDigest, second.weightsDigest)
        _ = try run([], teacher: first, cache: cache)
        let r = try run([], teacher: second, cache: cache)
        XCTAssertEqual(r.hitRate, 0, "a retrained teacher must not read the old teacher's outputs")
        XCTAssertEqual(r.losses, try run([], teacher: second, cache: nil).losses)
    }

    /// The same weights under another model config (pixel statistics, head scale) give other
    /// outputs, so another key; a training key of the teacher's config does not change it.
    func testTeacherModelKeysAreInTheKey() throws {
        let tdir = NSTemporaryDirectory() + "reidkd-cachekey-tm-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tdir) }
        let teacher = try TrainerTests.makeTeacher(tdir, iterations: 1)
        let student = try TrainerTests.config([], out: tdir + "-s")
        func key(_ overrides: [String]) throws -> TeacherCacheKey {
            let c = try TrainerTests.config(["MODEL.BACKBONE.WIDTH", "0.25", "SOLVER.MAX_EPOCH", "1"] + overrides, out: tdir)
            return TeacherCacheKey(teacher: Teacher(model: teacher.model, config: c), datasetFingerprint: "d", student: student)
        }
        let base = try key([])
        XCTAssertNotEqual(base.digest, try key(["MODEL.PIXEL_MEAN", "[0.4, 0.4, 0.4]"]).digest)
        XCTAssertNotEqual(base.digest, try key(["MODEL.HEADS.SCALE", "32"]).digest)
        XCTAssertEqual(base.digest, try key(["SOLVER.BASE_LR", "0.01"]).digest)
        XCTAssertTrue(base.json.contains("\"teacher_model\":{\"MODEL\":"), base.json)
    }

    /// A cache filled by a teacher on bf16 GEMMs (REIDKD_BF16=1) must never serve a float32
    /// student, nor the other way round: the numerics are part of the key and of key.json.
    func testTeacherNumericsNeverShareRows() throws {
        let f32 = TeacherCacheKey(teacherWeights: "w", teacherNumerics: Teacher.float32, datasetFingerprint: "d", pipeline: "{}")
        var b16 = f32; b16.teacherNumerics = Teacher.bfloat16
        XCTAssertNotEqual(f32.digest, b16.digest)
        XCTAssertNotEqual(f32.directory, b16.directory)
        XCTAssertTrue(b16.json.contains("\"teacher_numerics\":\"bf16\""), b16.json)
        XCTAssertTrue(f32.json.contains("\"teacher_numerics\":\"float32\""), f32.json)
        // Rows stored under one mode are a miss under the other.
        let root = NSTemporaryDirectory() + "reidkd-cachekey-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let filled = TeacherCache(root: root, key: b16, logitDim: 2, embedDim: 1)
        try filled.store(epoch: 0, samples: [0, 1], samplesInEpoch: 4,
                         logits: Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), embeddings: Tensor(shape: [2, 1], scalars: [5, 6]))
        XCTAssertNotNil(try TeacherCache(root: root, key: b16, logitDim: 2, embedDim: 1).lookup(epoch: 0, samples: [0, 1], samplesInEpoch: 4))
        XCTAssertNil(try TeacherCache(root: root, key: f32, logitDim: 2, embedDim: 1).lookup(epoch: 0, samples: [0, 1], samplesInEpoch: 4))

        // End to end: a student run against the bf16 teacher after a float32 one finds none of
        // its rows (where a bf16 kernel exists; elsewhere the switch runs float32 and may share).
        let tdir = NSTemporaryDirectory() + "reidkd-cachekey-teacher-\(UUID().uuidString)"
        let cache = NSTemporaryDirectory() + "reidkd-cachekey-\(UUID().uuidString)"
        defer { for d in [tdir, cache] { try? FileManager.default.removeItem(atPath: d) } }
        let teacher = try TrainerTests.makeTeacher(tdir)
        teacher.bf16 = false
        XCTAssertEqual(teacher.numerics, Teacher.float32)
        _ = try run([], teacher: teacher, cache: cache)
        teacher.bf16 = true
        defer { teacher.bf16 = false }
        let viaCache = try run([], teacher: teacher, cache: cache)
        if BF16GEMM.isAvailable {
            XCTAssertEqual(teacher.numerics, Teacher.bfloat16)
            XCTAssertEqual(viaCache.hitRate, 0, "a bf16 teacher read a float32 teacher's rows")
            XCTAssertEqual(try run([], teacher: teacher, cache: cache).hitRate, 1, "the bf16 rows are found again")
            XCTAssertEqual(viaCache.losses, try run([], teacher: teacher, cache: nil).losses)
        } else {
            XCTAssertEqual(teacher.numerics, Teacher.float32, "without a bf16 kernel the forward runs float32 (\(BF16GEMM.status))")
            XCTAssertEqual(viaCache.hitRate, 1)
        }
    }
}

extension ConfigValue {
    /// The YAML-level value (Int, Double, String, Bool, [Any]) for `ResolvedConfig.setting`.
    var plainValue: Any {
        switch self {
        case .int(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        case .bool(let b): return b
        case .list(let xs): return xs.map(\.plainValue)
        }
    }
}
