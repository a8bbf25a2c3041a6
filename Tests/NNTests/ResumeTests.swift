// Exact resume: training N steps, saving model + companion state, restoring into a fresh model
// and optimizer and training M more steps gives bit-identical parameters to N + M uninterrupted
// steps (same thread count). Also the RandomGenerator state accessor and the companion file's
// checks.
import XCTest
import Config
import Foundation
@testable import NN
import Support
@testable import Tensor

/// A two-layer perceptron with FastReID-style names, trained on random batches drawn from `data`.
private final class TinyMLP {
    let named: [(String, Parameter)]
    init(seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        named = [
            ("backbone.fc1.weight", Parameter(Tensor.randn([16, 8], std: 0.3, rng: &rng))),
            ("backbone.fc1.bias", Parameter(Tensor.zeros([16]))),
            ("backbone.bn.weight", Parameter(Tensor.ones([16]))),
            ("heads.classifier.weight", Parameter(Tensor.randn([5, 16], std: 0.3, rng: &rng))),
        ]
    }
    var stateDict: [(String, Tensor)] { named.map { ($0.0, $0.1 as Tensor) } }
    func loss(_ x: Tensor, _ labels: [Int]) -> Tensor {
        let p = named.map(\.1)
        let h = (linear(x, weight: p[0], bias: p[1]) * p[2]).relu()
        let logits = linear(h, weight: p[3], bias: nil)
        var onehot = [Float](repeating: 0, count: labels.count * 5)
        for (i, y) in labels.enumerated() { onehot[i * 5 + y] = 1 }
        return -(logits.logSoftmax() * Tensor(shape: logits.shape, scalars: onehot)).sum() / Float(labels.count)
    }
}

final class ResumeTests: XCTestCase {
    private var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func config(_ opt: String) throws -> ResolvedConfig {
        try nnSchema.load(yaml: """
            SOLVER: {OPT: \(opt), BASE_LR: 0.05, NESTEROV: true, WARMUP_ITERS: 3, FREEZE_ITERS: 2, STEPS: [1],
                     WEIGHT_DECAY_BIAS: 0.0, BIAS_LR_FACTOR: 2.0, CLIP_GRADIENTS: {ENABLED: true, CLIP_VALUE: 1.0}}
            """)
    }

    /// Trains iterations `range` (4 per epoch), drawing batches from `data`.
    private func train(_ model: TinyMLP, _ opt: Optimizer, _ cfg: ResolvedConfig, _ data: inout RandomGenerator, _ range: Range<Int>) {
        let sched = cfg.makeSchedule(itersPerEpoch: 4), freeze = cfg.freezeSchedule
        for it in range {
            opt.learningRate = Float(sched.lr(iteration: it, epoch: it / 4))
            let x = Tensor.randn([6, 8], rng: &data)
            let labels = (0..<6).map { _ in data.int(below: 5) }
            model.loss(x, labels).backward()
            cfg.gradientClipping?.apply(model.named.map(\.1))
            opt.step(skip: freeze.skipPredicate(iteration: it))
            opt.zeroGrad()
        }
    }

    func testResumeIsBitIdentical() throws {
        for optName in ["SGD", "Adam", "AdamW"] {
            let cfg = try config(optName)
            // Uninterrupted: 10 iterations.
            let full = TinyMLP(seed: 1)
            let fullOpt = cfg.makeOptimizer(full.named)
            var data = RandomGenerator(seed: 99)
            train(full, fullOpt, cfg, &data, 0..<10)

            // Interrupted after 6: save, then restore into fresh objects.
            let first = TinyMLP(seed: 1)
            let firstOpt = cfg.makeOptimizer(first.named)
            var data1 = RandomGenerator(seed: 99)
            train(first, firstOpt, cfg, &data1, 0..<6)
            let modelPath = dir.appendingPathComponent("\(optName).safetensors").path
            try Checkpoint.save(first.stateDict, metadata: [Checkpoint.configHashKey: cfg.sha256], to: modelPath)
            try TrainingState.save(optimizer: firstOpt, progress: TrainingProgress(iteration: 6, epoch: 1, generators: ["data": data1],
                                                                                  extra: ["best_map": "0.5"]),
                                   to: TrainingState.companionPath(for: modelPath))

            let resumed = TinyMLP(seed: 12345)  // different init: everything must come from the files
            let resumedOpt = cfg.makeOptimizer(resumed.named)
            let meta = try Checkpoint.load(into: resumed.stateDict, from: modelPath)
            XCTAssertEqual(meta[Checkpoint.configHashKey], cfg.sha256)
            let progress = try TrainingState.load(from: TrainingState.companionPath(for: modelPath), into: resumedOpt)
            XCTAssertEqual(progress.iteration, 6)
            XCTAssertEqual(progress.epoch, 1)
            XCTAssertEqual(progress.extra, ["best_map": "0.5"])
            XCTAssertEqual(resumedOpt.stepCount, 6)
            var data2 = try XCTUnwrap(progress.generators["data"])
            train(resumed, resumedOpt, cfg, &data2, 6..<10)

            for ((name, a), (_, b)) in zip(full.named, resumed.named) {
                XCTAssertEqual(a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern), "\(optName) \(name)")
            }
            XCTAssertEqual(fullOpt.stateDict().map(\.0), resumedOpt.stateDict().map(\.0))
            // Frozen for 2 iterations: the backbone's Adam step count lags the head's by 2.
            if optName != "SGD" {
                let steps = Dictionary(uniqueKeysWithValues: fullOpt.stateDict().filter { $0.0.hasSuffix(".step") }.map { ($0.0, $0.1.item()) })
                XCTAssertEqual(steps["heads.classifier.weight.step"], 10)
                XCTAssertEqual(steps["backbone.fc1.weight.step"], 8)
            }
        }
    }

    func testCompanionFileChecks() throws {
        let cfg = try config("SGD")
        let model = TinyMLP(seed: 1)
        let opt = cfg.makeOptimizer(model.named)
        var data = RandomGenerator(seed: 3)
        train(model, opt, cfg, &data, 0..<3)
        let statePath = dir.appendingPathComponent("s.state.safetensors").path
        try TrainingState.save(optimizer: opt, progress: TrainingProgress(iteration: 3, epoch: 0), to: statePath)
        func expectError(_ body: () throws -> Void, _ part: String) {
            do { try body(); XCTFail("expected an error containing \(part)") } catch {
                XCTAssertTrue("\(error)".contains(part), "«\(error)» lacks «\(part)»")
            }
        }
        expectError({ _ = try TrainingState.load(from: statePath, into: try self.config("Adam").makeOptimizer(TinyMLP(seed: 1).named)) },
                    "saved with optimizer SGD, resuming with Adam")
        let other = SGD([OptimizedParameter(name: "heads.classifier.weight", parameter: Parameter(Tensor.zeros([5, 16])))],
                        learningRate: 0.1, momentum: 0.9, nesterov: true)
        expectError({ _ = try TrainingState.load(from: statePath, into: other) }, "unknown state tensors")
        let noNesterov = SGD(cfg.parameterRules.apply(to: TinyMLP(seed: 1).named), learningRate: 0.1, momentum: 0.9)
        expectError({ _ = try TrainingState.load(from: statePath, into: noNesterov) }, "nesterov was true when saved, now false")
        let modelPath = dir.appendingPathComponent("m.safetensors").path
        try Checkpoint.save(model.stateDict, to: modelPath)
        expectError({ _ = try TrainingState.load(from: modelPath, into: opt) }, "not a training-state file")
        XCTAssertEqual(TrainingState.companionPath(for: "out/model_0010.safetensors"), "out/model_0010.state.safetensors")
    }

    /// The one-file resume point (TrainingCheckpoint): weights, optimizer state, an extra group
    /// and free metadata round-trip; a file whose groups do not match the run is refused before
    /// anything changes; the write leaves no temporary behind, and killed writers' temporaries
    /// are recognised and removed.
    func testOneFileTrainingCheckpoint() throws {
        let cfg = try config("Adam")
        let model = TinyMLP(seed: 1)
        let opt = cfg.makeOptimizer(model.named)
        var data = RandomGenerator(seed: 3)
        train(model, opt, cfg, &data, 0..<5)
        let extra = [(group: "distill", tensors: [("distill.projector", Tensor.randn([3, 2], rng: &data))])]
        let path = dir.appendingPathComponent("checkpoint.safetensors").path
        let digest = try TrainingCheckpoint.save(model: model.stateDict, optimizer: opt, extra: extra,
                                                 progress: TrainingProgress(iteration: 5, epoch: 1), metadata: ["metrics": "a\t1"], to: path)
        XCTAssertEqual(digest.sha256, try SHA256.file(at: path).sha256)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["checkpoint.safetensors"], "no temporary left")
        let fresh = TinyMLP(seed: 9), freshOpt = cfg.makeOptimizer(fresh.named)
        let freshExtra = [(group: "distill", tensors: [("distill.projector", Tensor.zeros([3, 2]))])]
        let (progress, meta) = try TrainingCheckpoint.load(from: path, model: fresh.stateDict, optimizer: freshOpt, extra: freshExtra)
        XCTAssertEqual(progress.epoch, 1); XCTAssertEqual(progress.iteration, 5)
        XCTAssertEqual(meta["metrics"], "a\t1")
        XCTAssertEqual(fresh.stateDict.flatMap { $0.1.scalars }, model.stateDict.flatMap { $0.1.scalars })
        XCTAssertEqual(freshExtra[0].tensors[0].1.scalars, extra[0].tensors[0].1.scalars)
        XCTAssertEqual(freshOpt.stateDict().flatMap { $0.1.scalars }, opt.stateDict().flatMap { $0.1.scalars })
        XCTAssertEqual(freshOpt.stepCount, opt.stepCount)
        // A run without the projector, or with a different one, is told which group differs.
        let untouched = TinyMLP(seed: 7)
        XCTAssertThrowsError(try TrainingCheckpoint.load(from: path, model: untouched.stateDict, optimizer: cfg.makeOptimizer(untouched.named))) {
            XCTAssertTrue("\($0)".contains("group \"distill\""), "\($0)")
        }
        XCTAssertEqual(untouched.stateDict.flatMap { $0.1.scalars }, TinyMLP(seed: 7).stateDict.flatMap { $0.1.scalars }, "nothing loaded")
        XCTAssertThrowsError(try TrainingCheckpoint.save(model: model.stateDict, optimizer: opt, progress: TrainingProgress(iteration: 5, epoch: 1),
                                                         metadata: ["epoch": "3"], to: path)) { XCTAssertTrue("\($0)".contains("reserved"), "\($0)") }
        // What killed writers leave: ours and Foundation's atomic-write temporaries.
        for n in [".checkpoint.safetensors.tmp-123-1", ".dat.nosync77.AbCdEf", ".model.safetensors.tmp-9-2"] {
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(n).path, contents: Data([1]))
        }
        XCTAssertEqual(AtomicFile.removeTemporaries(in: dir.path).count, 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["checkpoint.safetensors"])
    }

    func testGeneratorStateRoundTrip() {
        var g = RandomGenerator(seed: 42)
        _ = g.next(); _ = g.normal()
        let words = g.stateWords
        XCTAssertEqual(words.count, 4)
        var h = RandomGenerator(stateWords: words)!
        var k = RandomGenerator(stateHex: g.stateHex)!
        for _ in 0..<100 {
            let x = g.next()
            XCTAssertEqual(h.next(), x)
            XCTAssertEqual(k.next(), x)
        }
        XCTAssertNil(RandomGenerator(stateWords: [0, 0, 0, 0]))
        XCTAssertNil(RandomGenerator(stateHex: "xyz"))
    }
}
