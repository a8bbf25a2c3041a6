// No silent keys: tiny runs that between them take every branch of the config (each optimizer
// family, schedule, loss, padding mode, sampler, clipping, freezing, initial weights, re-ranking,
// a distilled student with every KD term and one with the teacher cache) are built and trained
// through `reidkd train`'s code path, and every key of the schema must have been read by one of
// them. A key that no code reads fails this test: implement it or remove it.
import XCTest
import Foundation
import Config
import NN
import Data
import Eval
@testable import Distill

final class ConfigCoverageTests: XCTestCase {
    static let torchvisionResNet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("InteropTests/Fixtures/fastreid/tv-resnet18.pth").path

    func train(_ opts: [String], in dir: String, label: String) throws -> (config: ResolvedConfig, checkpoint: String) {
        let out = "\(dir)/\(label)"
        let c = try TrainerTests.config(["SOLVER.MAX_EPOCH", "1"] + opts, out: out)
        let t = try StandaloneTraining.trainer(config: c, resume: false, maxIterations: 2) { _ in }
        t.onLog = { _ in }
        _ = try t.run()
        return (c, t.checkpointPath)
    }

    func testEveryKeyIsReadByATinyRun() throws {
        let dir = NSTemporaryDirectory() + "reidkd-coverage-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var read = Set<String>()
        // A plain student, whose checkpoint the next run starts from (MODEL.WEIGHTS).
        let plain = try train([], in: dir, label: "plain")
        read.formUnion(plain.config.readKeys)
        let variants: [(String, [String])] = [
            ("adam", ["MODEL.WEIGHTS", plain.checkpoint, "SOLVER.OPT", "Adam", "SOLVER.SCHED", "MultiStepLR",
                      "SOLVER.CLIP_GRADIENTS.ENABLED", "true", "SOLVER.FREEZE_ITERS", "1",
                      "INPUT.PADDING.MODE", "edge", "INPUT.CJ.ENABLED", "true", "INPUT.REA.ENABLED", "true",
                      "MODEL.HEADS.CLS_LAYER", "CircleSoftmax", "MODEL.HEADS.SCALE", "16", "MODEL.HEADS.MARGIN", "0.25",
                      "TEST.FLIP.ENABLED", "true", "TEST.RERANK.ENABLED", "true", "TEST.METRIC", "euclidean"]),
            ("sgd", ["SOLVER.OPT", "SGD", "SOLVER.NESTEROV", "true", "SOLVER.SCHED", "CosineAnnealingLR",
                     "SOLVER.CLIP_GRADIENTS.ENABLED", "true", "SOLVER.CLIP_GRADIENTS.CLIP_TYPE", "value",
                     "MODEL.LOSSES.NAME", "[CrossEntropyLoss, TripletLoss, CircleLoss, Cosface]",
                     "MODEL.LOSSES.TRI.HARD_MINING", "false", "DATALOADER.SAMPLER_TRAIN", "TrainingSampler"]),
            // ImageNet backbone weights in torchvision's layout (a narrowed resnet18 saved by
            // Scripts/fastreid_fixtures.py), into a model of its width.
            ("pretrained", ["MODEL.BACKBONE.WIDTH", "0.03125", "MODEL.BACKBONE.PRETRAIN_PATH", Self.torchvisionResNet]),
        ]
        for (label, opts) in variants { read.formUnion(try train(opts, in: dir, label: label).config.readKeys) }
        // Distilled students: the teacher comes from KD.TEACHER_CONFIG and KD.TEACHER_WEIGHTS.
        let teacher = try TrainerTests.makeTeacher("\(dir)/teacher")
        try teacher.config.yaml.write(toFile: "\(dir)/teacher.yaml", atomically: true, encoding: .utf8)
        let kd = ["KD.TEACHER_CONFIG", "\(dir)/teacher.yaml", "KD.TEACHER_WEIGHTS", "\(dir)/teacher/model.safetensors"]
        read.formUnion(try train(kd + ["KD.METHOD", "kl+mse+rkd+pkt+sp+hint+overhaul"], in: dir, label: "kd-online").config.readKeys)
        read.formUnion(try train(kd + ["KD.METHOD", "cos+dkd+js+crd", "KD.CRD_NEGATIVES", "16"], in: dir, label: "kd-cached").config.readKeys)
        read.formUnion(try train(["KD.METHOD", "kl", "KD.TEACHER", "ema"], in: dir, label: "kd-ema").config.readKeys)
        // A teacher mix names a sweep's runs: `reidkd train` reads it only to refuse it clearly.
        let mixed = try TrainerTests.config(kd + ["KD.METHOD", "kl", "KD.TEACHER_MIX", "[teacher=1]"], out: "\(dir)/mix")
        XCTAssertThrowsError(try StandaloneTraining.trainer(config: mixed, resume: false, maxIterations: 1) { _ in }) {
            XCTAssertTrue("\($0)".contains("KD.TEACHER_MIX names runs of a sweep"), "\($0)")
        }
        read.formUnion(mixed.readKeys)

        let unread = RunConfig.schema.keys.map(\.key).filter { !read.contains($0) }
        XCTAssertEqual(unread, [], "keys declared in the schema that no code read while building and training: \(unread)")
    }
}
