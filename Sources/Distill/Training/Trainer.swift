// Trains one model — a teacher, a baseline student or a distilled student — from its config:
// PK batches of augmented crops → forward → model losses (+ KD terms against the frozen
// teacher, from the teacher-output cache when possible) → backward → clip → optimizer step
// under the LR schedule and backbone freeze. Evaluates every TEST.EVAL_PERIOD epochs and at the
// end; checkpoints every SOLVER.CHECKPOINT_PERIOD epochs and at the end (model .safetensors +
// companion optimizer/progress file) so `resume` continues exactly where the last checkpoint
// left off. MODEL.WEIGHTS initialises the model before the first epoch. A NaN/inf loss stops
// the run with `TrainError` ("diverged").
import Foundation
import Tensor
import BuildInfo
import Config
import NN
import Interop
import Data
import Eval

public struct TrainerOptions {
    /// Where checkpoints and the log go (created).
    public var outputDir: String
    public var resume = false
    /// Log loss terms every this many iterations.
    public var logPeriod = 10
    /// Teacher-output cache directory (nil = no cache).
    public var teacherCacheRoot: String?
    /// Stop after this many iterations in total (tests and smoke runs); nil = SOLVER.MAX_EPOCH.
    public var maxIterations: Int?
    public init(outputDir: String) { self.outputDir = outputDir }
}

/// Receives everything the run measures: (key, iteration, epoch, value).
public typealias MetricSink = (_ key: String, _ step: Int, _ epoch: Int, _ value: Double) -> Void

public struct TrainResult {
    /// The final evaluation on the first DATASETS.TESTS entry …
    public var evaluation: EvalResult?
    /// … and on the others, by name.
    public var otherEvaluations: [(name: String, result: EvalResult)] = []
    public var epochs: Int
    public var iterations: Int
    public var imagesPerSecond: Double
    public var checkpoint: String
    public var teacherCacheHitRate: Double?
    /// `eval.json` / `ranklist.json` of the final evaluation, written next to the checkpoint.
    public var evaluationArtifacts: [(kind: String, path: String)] = []
}

public final class Trainer {
    public let config: ResolvedConfig
    public let kd: KDConfig
    public let data: TrainingData
    public let model: ReidModel
    public let teacher: Teacher?
    public let objective: DistillObjective?
    public let optimizer: Optimizer
    public let options: TrainerOptions
    let loss: ReidLoss
    let cache: TeacherCache?
    /// What MODEL.WEIGHTS / MODEL.BACKBONE.PRETRAIN_PATH loaded (logged when the run starts).
    let initialWeights: String?
    public var onMetric: MetricSink = { _, _, _, _ in }
    public var onLog: (String) -> Void = { print($0) }

    public var checkpointPath: String { "\(options.outputDir)/model.safetensors" }

    public init(config: ResolvedConfig, data: TrainingData, teacher: Teacher?, options: TrainerOptions) throws {
        self.config = config; self.data = data; self.teacher = teacher; self.options = options
        kd = try KDConfig(config: config)
        if kd.enabled && teacher == nil {
            throw TrainError("KD.METHOD is '\(kd.terms.joined(separator: "+"))' but no teacher was given; set KD.TEACHER_WEIGHTS or KD.METHOD none")
        }
        var rng = RandomGenerator(seed: UInt64(bitPattern: Int64(config[\RunKeys.seed])))
        model = try ReidModel(spec: ModelSpec(config: config, numClasses: data.dataset.numTrainPids,
                                              inputSize: config[\InputKeys.sizeTrain]), rng: &rng)
        try model.validate(targets: data.dataset.train.map(\.pid))
        initialWeights = try InitialWeights.load(into: model, config: config)
        loss = try ReidLoss(spec: LossSpec(config: config))
        var named = model.namedParameters()
        if let t = teacher, kd.enabled {
            t.matchInput(of: config)   // a teacher normalised with other pixel statistics sees its own
            let sEmb = model.heads.inFeatures, tEmb = t.model.heads.inFeatures
            let stage = kd.hintStage
            let sCh = kd.needsStages ? model.backbone.stageChannels[safe: stage] : nil
            let tCh = kd.needsStages ? t.model.backbone.stageChannels[safe: stage] : nil
            if kd.needsStages && (sCh == nil || tCh == nil) {
                throw TrainError("KD.HINT_STAGE \(stage) does not exist in the student (\(model.backbone.stageChannels.count) stages) or the teacher (\(t.model.backbone.stageChannels.count))")
            }
            let obj = DistillObjective(kd: kd, studentEmbed: sEmb, teacherEmbed: tEmb, studentStageChannels: sCh,
                                       teacherStageChannels: tCh, rng: &rng)
            if kd.terms.contains("kl") || kd.terms.contains("skl"), t.model.spec.numClasses != model.spec.numClasses {
                throw TrainError("logit KD needs the same classes: teacher has \(t.model.spec.numClasses), student \(model.spec.numClasses); train both on the same dataset")
            }
            objective = obj
            named += obj.namedParameters
            cache = (kd.cache && !kd.needsStages && options.teacherCacheRoot != nil)
                ? TeacherCache(root: options.teacherCacheRoot!,
                               key: TeacherCacheKey(teacher: t, datasetFingerprint: try data.dataset.fingerprint(), student: config),
                               logitDim: t.model.spec.numClasses, embedDim: tEmb)
                : nil
        } else {
            objective = nil; cache = nil
        }
        optimizer = config.makeOptimizer(named)
    }

    /// Teacher outputs for a batch: from the cache when every sample is there, else computed (and stored).
    func teacherOutputs(_ batch: Batch, samplesInEpoch: Int) throws -> TeacherOutput {
        let t = teacher!
        if let c = cache, let hit = try c.lookup(epoch: batch.epoch, samples: batch.sampleIndices, samplesInEpoch: samplesInEpoch) {
            return TeacherOutput(logits: hit.logits, embedding: hit.embeddings, stages: [])
        }
        let out = t.forward(batch.images, stages: kd.needsStages)
        try cache?.store(epoch: batch.epoch, samples: batch.sampleIndices, samplesInEpoch: samplesInEpoch,
                         logits: out.logits, embeddings: out.embedding)
        return out
    }

    public func run() throws -> TrainResult {
        try FileManager.default.createDirectory(atPath: options.outputDir, withIntermediateDirectories: true)
        let itersPerEpoch = data.sampler.batches(epoch: 0).count
        let batchSize = config[\SolverKeys.imsPerBatch], maxEpoch = config[\SolverKeys.maxEpoch]
        let evalPeriod = config[\TestKeys.evalPeriod], checkpointPeriod = config[\SolverKeys.checkpointPeriod]
        guard itersPerEpoch > 0 else { throw TrainError("the training split gives no batch of \(batchSize) images; lower SOLVER.IMS_PER_BATCH") }
        let schedule = config.makeSchedule(itersPerEpoch: itersPerEpoch)
        let freeze = config.freezeSchedule
        let clipping = config.gradientClipping
        if let w = initialWeights { onLog(w) }
        var startEpoch = 0, iteration = 0
        if options.resume, FileManager.default.fileExists(atPath: TrainingState.companionPath(for: checkpointPath)) {
            let meta = try Checkpoint.load(into: model.stateDict(), from: checkpointPath)
            if let obj = objective, FileManager.default.fileExists(atPath: distillStatePath) {
                _ = try Checkpoint.load(into: obj.namedParameters.map { ($0.0, $0.1 as Tensor) }, from: distillStatePath)
            }
            let progress = try TrainingState.load(from: TrainingState.companionPath(for: checkpointPath), into: optimizer)
            // The two files are renamed into place one after the other; a kill between the
            // renames would pair weights and optimizer state of different epochs.
            guard meta["epoch"] == String(progress.epoch) else {
                throw TrainError("\(checkpointPath) (epoch \(meta["epoch"] ?? "?")) and its optimizer state (epoch \(progress.epoch)) do not match; delete \(options.outputDir) to restart this run")
            }
            startEpoch = progress.epoch; iteration = progress.iteration
            onLog("resumed from \(checkpointPath) at epoch \(startEpoch), iteration \(iteration)")
        }
        _ = model.train()
        var evaluation: EvalResult?
        var others: [(name: String, result: EvalResult)] = []
        var rankList: RankList?
        var images = 0, trainSeconds = 0.0
        let maxIters = options.maxIterations ?? Int.max
        var epoch = startEpoch
        while epoch < maxEpoch && iteration < maxIters {
            let start = Date()
            let it = data.trainLoader.epoch(epoch, sampler: data.sampler)
            let samplesInEpoch = it.batches.reduce(0) { $0 + $1.count }
            var sums: [String: Double] = [:], count = 0
            while iteration < maxIters, let batch = try it.next() {
                let lr = schedule.lr(iteration: iteration, epoch: epoch)
                optimizer.learningRate = Float(lr)
                let teacherOut = try objective.map { _ in try teacherOutputs(batch, samplesInEpoch: samplesInEpoch) }
                let losses = withGrad { () -> LossDict in
                    let out = model.forward(batch.images, targets: batch.pids)
                    var d = loss(out, targets: batch.pids)
                    if let obj = objective, let t = teacherOut { obj.addTerms(to: &d, student: out, teacher: t) }
                    return d
                }
                let total = losses.total
                let totalValue = total.item()
                guard totalValue.isFinite else {
                    throw TrainError("diverged: total loss \(totalValue) at epoch \(epoch), iteration \(iteration) (terms: \(losses.values.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))); lower SOLVER.BASE_LR or enable SOLVER.CLIP_GRADIENTS")
                }
                total.backward()
                clipping?.apply(optimizer.parameters.map(\.parameter))
                optimizer.step(skip: freeze.skipPredicate(iteration: iteration))
                optimizer.zeroGrad()
                for (k, v) in losses.values { sums[k, default: 0] += Double(v) }
                sums["loss_total", default: 0] += Double(totalValue)
                count += 1
                images += batch.images.shape[0]
                iteration += 1
                if iteration % options.logPeriod == 0 || count == it.count {  // and the last batch of each epoch
                    for (k, v) in losses.values { onMetric(k, iteration, epoch, Double(v)) }
                    onMetric("loss_total", iteration, epoch, Double(totalValue))
                    onMetric("lr", iteration, epoch, lr)
                }
            }
            let seconds = Date().timeIntervalSince(start)
            trainSeconds += seconds
            epoch += 1
            let mean = sums.keys.sorted().map { "\($0) \(String(format: "%.4f", sums[$0]! / Double(Swift.max(count, 1))))" }.joined(separator: "  ")
            let eta = Double(maxEpoch - epoch) * trainSeconds / Double(epoch - startEpoch)
            onMetric("epoch_seconds", iteration, epoch, seconds)
            onMetric("images_per_second", iteration, epoch, Double(count * batchSize) / Swift.max(seconds, 1e-9))
            onLog("epoch \(epoch)/\(maxEpoch)  \(mean)  \(String(format: "%.1f img/s  ETA %.0f s", Double(count * batchSize) / Swift.max(seconds, 1e-9), eta))")
            let last = epoch >= maxEpoch || iteration >= maxIters
            if last || epoch % checkpointPeriod == 0 { try saveCheckpoint(epoch: epoch, iteration: iteration) }
            if last || epoch % evalPeriod == 0 {
                let (r, lists) = try ModelEvaluation.evaluate(model: model, data: data, config: config, rankList: last)
                evaluation = r; rankList = lists
                others = try ModelEvaluation.evaluateOthers(model: model, data: data, config: config)
                for (suffix, e) in [("", r)] + others.map({ ("@" + $0.name, $0.result) }) {
                    for (k, v) in [("eval_rank1", e.rank1), ("eval_rank5", e.rank5), ("eval_rank10", e.rank10), ("eval_mAP", e.mAP), ("eval_mINP", e.mINP)] {
                        onMetric(k + suffix, iteration, epoch, v)
                    }
                    onLog(String(format: "eval epoch %d%@: R1 %.2f  mAP %.2f  mINP %.2f", epoch, suffix, 100 * e.rank1, 100 * e.mAP, 100 * e.mINP))
                }
            }
        }
        if evaluation == nil || rankList == nil {
            (evaluation, rankList) = try ModelEvaluation.evaluate(model: model, data: data, config: config, rankList: true)
            others = try ModelEvaluation.evaluateOthers(model: model, data: data, config: config)
        }
        let artifacts = try ModelEvaluation.writeArtifacts(evaluation!, rankList: rankList, to: options.outputDir)
        return TrainResult(evaluation: evaluation, otherEvaluations: others, epochs: epoch, iterations: iteration,
                           imagesPerSecond: Double(images) / Swift.max(trainSeconds, 1e-9), checkpoint: checkpointPath,
                           teacherCacheHitRate: cache?.hitRate, evaluationArtifacts: artifacts)
    }

    var distillStatePath: String { "\(options.outputDir)/distill.safetensors" }

    func saveCheckpoint(epoch: Int, iteration: Int) throws {
        var meta = [Checkpoint.configKey: config.yaml, Checkpoint.configHashKey: config.sha256, "code_version": BuildInfo.codeVersion]
        meta["epoch"] = String(epoch)
        try Checkpoint.save(model.stateDict(), metadata: meta, to: checkpointPath)
        if let obj = objective, !obj.namedParameters.isEmpty {
            try Checkpoint.save(obj.namedParameters.map { ($0.0, $0.1 as Tensor) }, metadata: [:], to: distillStatePath)
        }
        try TrainingState.save(optimizer: optimizer, progress: TrainingProgress(iteration: iteration, epoch: epoch),
                               to: TrainingState.companionPath(for: checkpointPath))
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
