// Shared fixtures for the export tests: a tiny synthetic dataset (generated once per process),
// tiny model configs, models with randomised BatchNorm statistics (so BN folding is not the
// identity), a fixture experiment store, and the onnxruntime availability check.
import XCTest
import Config
import Foundation
import Tensor
import NN
import Data
import Store
import Distill
@testable import Export

enum Fixtures {
    static let dataRoot: String = {
        let dir = NSTemporaryDirectory() + "reidkd-export-tests-\(getpid())"
        var s = SynthConfig()
        s.ids = 12; s.imagesPerId = 4; s.height = 32; s.width = 16; s.distractors = 4; s.junk = 2; s.seed = 5
        _ = try! SynthGenerator(s).write(to: dir, overwrite: true)
        return dir
    }()

    static func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "reidkd-\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// A tiny ResNet-18 ×0.125 student config on the fixture data; `model` adds MODEL.* keys.
    static func config(_ overrides: [String] = []) throws -> ResolvedConfig {
        let yaml = """
        MODEL:
          BACKBONE: {NAME: resnet, DEPTH: 18, WIDTH: 0.125, LAST_STRIDE: 1}
        INPUT: {SIZE_TRAIN: [32, 16], SIZE_TEST: [32, 16]}
        DATALOADER: {NUM_INSTANCE: 2}
        SOLVER: {IMS_PER_BATCH: 8}
        TEST: {IMS_PER_BATCH: 32}
        DATASETS: {NAMES: [synthetic], TESTS: [synthetic], ROOT: \(dataRoot)}
        """
        var c = try RunConfig.schema.load(yaml: yaml)
        try ConfigLoader.apply(overrides: overrides, to: &c)
        return c
    }

    /// A model spec for lowering tests (no data needed).
    static func spec(_ edit: (inout ModelSpec) -> Void) -> ModelSpec {
        var s = ModelSpec()
        s.depth = 18; s.width = 0.125; s.numClasses = 5; s.inputSize = [32, 16]
        edit(&s)
        return s
    }

    /// Random BN statistics/affines, GeM p ≠ 3 and non-zero attention weights: every folded or
    /// lowered parameter matters.
    static func randomize(_ m: ReidModel, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        for (_, mod) in m.namedModules() {
            if let bn = mod as? BatchNorm {
                let c = bn.weight.count
                bn.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng))
                bn.bias.assign(Tensor.uniform([c], low: -0.3, high: 0.3, rng: &rng))
                bn.runningMean.assign(Tensor.uniform([c], low: -0.5, high: 0.5, rng: &rng))
                bn.runningVar.assign(Tensor.uniform([c], low: 0.5, high: 2, rng: &rng))
            } else if let n = mod as? InstanceNorm2d {
                let c = n.weight.count
                n.weight.assign(Tensor.uniform([c], low: 0.5, high: 1.5, rng: &rng))
                n.bias.assign(Tensor.uniform([c], low: -0.3, high: 0.3, rng: &rng))
            } else if let g = mod as? GeMPooling {
                g.p.assign(Tensor([2.5]))
            } else if let a = mod as? AttentionPooling {
                a.attention.weight.assign(Tensor.uniform(a.attention.weight.shape, low: -0.5, high: 0.5, rng: &rng))
            }
        }
        m.eval()
    }

    static func model(_ spec: ModelSpec, seed: UInt64 = 1) throws -> ReidModel {
        let m = try ReidModel(spec: spec, seed: seed)
        randomize(m, seed: seed + 100)
        return m
    }

    /// Adds a run to `sweep` and drives it to `status` with `summary` and an optional model artifact.
    @discardableResult
    static func addRun(_ store: ExperimentStore, sweep: Sweep?, name: String, role: RunRole, summary: [String: Double],
                       status: RunStatus = .finished, artifact: String? = nil, config: String = "{}",
                       fingerprint: String? = nil) throws -> Run {
        let r = try store.enqueue([RunSpec(name: name, role: role, config: config, configHash: "hash-\(name)", seed: 1,
                                           datasetFingerprint: fingerprint)], sweep: sweep)[0]
        try store.start(r.id)
        if !summary.isEmpty { try store.setSummary(run: r.id, summary) }
        if let a = artifact { _ = try store.recordArtifact(run: r.id, kind: "model", file: a) }
        switch status {
        case .finished: try store.markFinished(r.id)
        case .failed: try store.markFailed(r.id, error: "fixture failure")
        case .running: break
        default: try store.markInterrupted(r.id)
        }
        return try store.run(r.id)
    }

    /// Skips (printing why) unless python3 can import numpy and onnxruntime.
    static func requireONNXRuntime() throws {
        if let why = ONNXRuntimeCheck.unavailableReason() {
            print("SKIP ONNX parity: \(why)")
            throw XCTSkip(why)
        }
    }
}

/// A finished sweep in a fresh store: a teacher, a student whose checkpoint is a real (random,
/// BN-randomised) tiny model with its true evaluation as summary, and the data it was scored on.
struct ExportFixture {
    let dir: String
    let storePath: String
    let store: ExperimentStore
    let sweep: Sweep
    let model: ReidModel
    let config: ResolvedConfig
    let data: TrainingData
    let student: Run
    let checkpoint: String

    init(overrides: [String] = [], storedMAPOffset: Double = 0) throws {
        dir = Fixtures.tempDir("export-fixture")
        storePath = "\(dir)/results/reidkd.sqlite"
        store = try ExperimentStore(path: storePath)
        sweep = try store.findOrCreateSweep(name: "fx", spec: "name: fx")
        config = try Fixtures.config(overrides)
        let c = config
        data = try TrainingData(config: c)
        model = try ReidModel(spec: ModelSpec(config: c, numClasses: data.dataset.numTrainPids, inputSize: [32, 16]), seed: 7)
        Fixtures.randomize(model, seed: 8)
        checkpoint = "\(dir)/results/fx/student/model.safetensors"
        try FileManager.default.createDirectory(atPath: (checkpoint as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Checkpoint.save(model.stateDict(), config: config, to: checkpoint)
        let r = try ModelEvaluation.evaluate(model: model, data: data, config: c)
        try Fixtures.addRun(store, sweep: sweep, name: "teacher", role: .teacher, summary: ["mAP": 90, "R1": 95, "gflops": 1])
        student = try Fixtures.addRun(store, sweep: sweep, name: "student", role: .student,
                                      summary: ["mAP": r.mAP * 100 + storedMAPOffset, "R1": r.rank1 * 100, "gflops": 0.01],
                                      artifact: checkpoint, config: config.canonicalJSON,
                                      fingerprint: try data.dataset.fingerprint())
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
