// Trains one model — a teacher, a baseline student or a distilled student — from its config:
// PK batches of augmented crops → forward → model losses (+ KD terms against the frozen
// teacher, from the teacher-output cache when possible) → backward → clip → optimizer step
// under the LR schedule and backbone freeze. Evaluates every TEST.EVAL_PERIOD epochs and at the
// end. Every SOLVER.CHECKPOINT_PERIOD epochs and at the end it writes one resume file,
// checkpoint.safetensors (weights, optimizer state, projectors, progress and the metric rows
// logged since the previous one: TrainingCheckpoint), atomically and after that epoch's
// evaluation, and hands it to `onCheckpoint` (EpochCheckpoint.swift); `resume` continues
// exactly where the last resume point left off. model.safetensors, the plain weight file, is
// written when training ends. MODEL.WEIGHTS initialises the model before the first epoch. A
// NaN/inf loss stops the run with `TrainError` ("diverged").
import Foundation
import Tensor
import BuildInfo
import Config
import NN
import Interop
import Data
import Eval
import Support
import Store

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
    /// Early stopping: epochs at which the run is evaluated (besides TEST.EVAL_PERIOD's) and the
    /// gate asked after the evaluation; the gate returns why the run stops, or nil to go on.
    public var gateEpochs: Set<Int> = []
    public var gate: ((_ epoch: Int, _ evaluation: EvalResult) throws -> String?)?
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
    /// Why the gate stopped the run early (nil: it ran to the end).
    public var stoppedEarly: String?
}

public final class Trainer {
    public let config: ResolvedConfig
    public let kd: KDConfig
    public let data: TrainingData
    public let model: ReidModel
    /// The (first) teacher; `teachers` has them all.
    public var teacher: Teacher? { teachers?.members.first?.teacher }
    public let teachers: TeacherSide?
    /// KD.TEACHER ema: the moving average of the student that is the teacher.
    public let ema: EMATeacher?
    public let objective: DistillObjective?
    public let optimizer: Optimizer
    public let options: TrainerOptions
    let loss: ReidLoss
    /// What MODEL.WEIGHTS / MODEL.BACKBONE.PRETRAIN_PATH loaded (logged when the run starts).
    let initialWeights: String?
    public var onMetric: MetricSink = { _, _, _, _ in }
    public var onLog: (String) -> Void = { print($0) }
    /// Called after each resume point is on disk (and once at the start of a resumed run); an
    /// error it throws stops the run.
    public var onCheckpoint: (EpochCheckpoint) throws -> Void = { _ in }

    /// The trained weights (written when training ends).
    public var checkpointPath: String { "\(options.outputDir)/model.safetensors" }
    /// The resume point (written every SOLVER.CHECKPOINT_PERIOD epochs and at the end).
    public var resumePath: String { "\(options.outputDir)/checkpoint.safetensors" }

    public convenience init(config: ResolvedConfig, data: TrainingData, teacher given: Teacher?, options: TrainerOptions) throws {
        try self.init(config: config, data: data, teachers: given.map { [($0, 1)] } ?? [], options: options)
    }

    /// With several teachers their outputs are combined with these weights (TeacherSide).
    public init(config: ResolvedConfig, data: TrainingData, teachers given: [(teacher: Teacher, weight: Double)], options: TrainerOptions) throws {
        self.config = config; self.data = data; self.options = options
        kd = try KDConfig(config: config)
        if kd.needsGivenTeacher && given.isEmpty {
            throw TrainError("KD.METHOD is '\(kd.terms.joined(separator: "+"))' but no teacher was given; set KD.TEACHER_WEIGHTS or KD.METHOD none")
        }
        var rng = RandomGenerator(seed: UInt64(bitPattern: Int64(config[\RunKeys.seed])))
        model = try ReidModel(spec: ModelSpec(config: config, numClasses: data.dataset.numTrainPids,
                                              inputSize: config[\InputKeys.sizeTrain]), rng: &rng)
        try model.validate(targets: data.dataset.train.map(\.pid))
        try model.validate(inputSize: config[\InputKeys.sizeTest], key: InputKeys.shared.sizeTest.name)
        initialWeights = try InitialWeights.load(into: model, config: config)
        let student = model
        ema = try kd.emaDecay.map { try EMATeacher(student: student, config: config, decay: $0) }
        let members = ema.map { [($0.teacher, 1.0)] } ?? given
        loss = try ReidLoss(spec: LossSpec(config: config))
        var named = model.namedParameters()
        if let t = members.first?.0, kd.enabled {
            // A teacher normalised with other pixel statistics sees the image in its own.
            for (member, _) in members { member.matchInput(of: config) }
            let tEmb = t.model.heads.inFeatures
            let context = TermContext(studentEmbed: model.heads.inFeatures, teacherEmbed: tEmb,
                                      studentClasses: model.spec.numClasses, teacherClasses: t.model.spec.numClasses,
                                      studentStageChannels: model.backbone.stageChannels, teacherStageChannels: t.model.backbone.stageChannels,
                                      trainingSamples: data.dataset.train.count, teacherStageNorms: t.stageOutputNorms)
            let obj = try DistillObjective(kd: kd, config: config, context: context, rng: &rng)
            objective = obj
            named += obj.namedParameters
            let dataset = data.dataset
            teachers = try TeacherSide(members, needs: kd.needs, cacheRoot: kd.cache ? options.teacherCacheRoot : nil,
                                       datasetFingerprint: { try dataset.fingerprint() }, student: config)
        } else {
            objective = nil; teachers = nil
        }
        optimizer = config.makeOptimizer(named)
    }


    public func run() throws -> TrainResult {
        try FileSystem.createFolder(options.outputDir)
        let itersPerEpoch = data.sampler.batches(epoch: 0).count
        let batchSize = config[\SolverKeys.imsPerBatch], maxEpoch = config[\SolverKeys.maxEpoch]
        let evalPeriod = config[\TestKeys.evalPeriod], checkpointPeriod = config[\SolverKeys.checkpointPeriod]
        guard itersPerEpoch > 0 else { throw TrainError("the training split gives no batch of \(batchSize) images; lower SOLVER.IMS_PER_BATCH") }
        let schedule = config.makeSchedule(itersPerEpoch: itersPerEpoch)
        let freeze = config.freezeSchedule
        let clipping = config.gradientClipping
        if let w = initialWeights { onLog(w) }
        var startEpoch = 0, iteration = 0
        if options.resume, FileManager.default.fileExists(atPath: resumePath) {
            let (progress, meta) = try TrainingCheckpoint.load(from: resumePath, model: model.stateDict(), optimizer: optimizer,
                                                               extra: extraTensorGroups)
            startEpoch = progress.epoch; iteration = progress.iteration
            onLog("resumed from \(resumePath) at epoch \(startEpoch), iteration \(iteration)")
            // Hand the resume point over again: a kill may have come between its rename and
            // the consumer's commit.
            let (sha, bytes) = try SHA256.file(at: resumePath)
            try onCheckpoint(EpochCheckpoint(path: resumePath, sha256: sha, bytes: bytes, epoch: startEpoch, iteration: iteration,
                                             metrics: try MetricPoint.decode(meta[Trainer.metricsMetadataKey], path: resumePath), resumed: true))
        } else if options.resume {
            onLog("nothing to resume in \(options.outputDir) (no checkpoint.safetensors): starting at epoch 0")
        }
        _ = model.train()
        var evaluation: EvalResult?
        var others: [(name: String, result: EvalResult)] = []
        var rankList: RankList?
        var images = 0, trainSeconds = 0.0
        let maxIters = options.maxIterations ?? Int.max
        var epoch = startEpoch
        var stopped: String?
        // Rows since the last resume point: they go into the next checkpoint file with it.
        var pending: [MetricPoint] = []
        func emit(_ k: String, _ step: Int, _ e: Int, _ v: Double) {
            pending.append(MetricPoint(key: k, step: step, epoch: e, value: v))
            onMetric(k, step, e, v)
        }
        while epoch < maxEpoch && iteration < maxIters && stopped == nil {
            let start = Date()
            let it = data.trainLoader.epoch(epoch, sampler: data.sampler)
            let samplesInEpoch = it.batches.reduce(0) { $0 + $1.count }
            var sums: [String: Double] = [:], count = 0
            while iteration < maxIters, let batch = try it.next() {
                let lr = schedule.lr(iteration: iteration, epoch: epoch)
                optimizer.learningRate = Float(lr)
                let teacherOut = try teachers.map { try $0.outputs(batch, samplesInEpoch: samplesInEpoch, epoch: it) }
                let losses = withGrad { () -> LossDict in
                    let out = model.forward(batch.images, targets: batch.pids, preActivation: kd.needs.contains(.preReLUStages))
                    var d = loss(out, targets: batch.pids)
                    if let obj = objective, let t = teacherOut {
                        obj.addTerms(to: &d, student: out, teacher: t, targets: batch.pids, sampleIndices: batch.indices,
                                     progress: Double(iteration) / Double(Swift.max(1, maxEpoch * itersPerEpoch)), iteration: iteration)
                    }
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
                ema?.update()
                for (k, v) in losses.values { sums[k, default: 0] += Double(v) }
                sums["loss_total", default: 0] += Double(totalValue)
                count += 1
                images += batch.images.shape[0]
                iteration += 1
                if iteration % options.logPeriod == 0 || count == it.count {  // and the last batch of each epoch
                    for (k, v) in losses.values { emit(k, iteration, epoch, Double(v)) }
                    emit("loss_total", iteration, epoch, Double(totalValue))
                    emit("lr", iteration, epoch, lr)
                }
            }
            let seconds = Date().timeIntervalSince(start)
            trainSeconds += seconds
            epoch += 1
            let mean = sums.keys.sorted().map { "\($0) \(String(format: "%.4f", sums[$0]! / Double(Swift.max(count, 1))))" }.joined(separator: "  ")
            let eta = Double(maxEpoch - epoch) * trainSeconds / Double(epoch - startEpoch)
            emit("epoch_seconds", iteration, epoch, seconds)
            emit("images_per_second", iteration, epoch, Double(count * batchSize) / Swift.max(seconds, 1e-9))
            onLog("epoch \(epoch)/\(maxEpoch)  \(mean)  \(String(format: "%.1f img/s  ETA %.0f s", Double(count * batchSize) / Swift.max(seconds, 1e-9), eta))")
            var last = epoch >= maxEpoch || iteration >= maxIters
            // Evaluate before the resume point, so the evaluation's rows are committed with it
            // (a kill during evaluation repeats the epoch, which is deterministic).
            if last || epoch % evalPeriod == 0 || options.gateEpochs.contains(epoch) {
                let (r, lists) = try ModelEvaluation.evaluate(model: model, data: data, config: config, rankList: last)
                evaluation = r; rankList = lists
                others = try ModelEvaluation.evaluateOthers(model: model, data: data, config: config)
                for (suffix, e) in [("", r)] + others.map({ ("@" + $0.name, $0.result) }) {
                    for (k, v) in [("eval_rank1", e.rank1), ("eval_rank5", e.rank5), ("eval_rank10", e.rank10), ("eval_mAP", e.mAP), ("eval_mINP", e.mINP)] {
                        emit(k + suffix, iteration, epoch, v)
                    }
                    onLog(String(format: "eval epoch %d%@: R1 %.2f  mAP %.2f  mINP %.2f", epoch, suffix, 100 * e.rank1, 100 * e.mAP, 100 * e.mINP))
                }
                if !last, options.gateEpochs.contains(epoch), let gate = options.gate, let why = try gate(epoch, r) {
                    onLog(why)
                    stopped = why; last = true
                    rankList = try ModelEvaluation.evaluate(model: model, data: data, config: config, rankList: true).rankList
                }
            }
            if last || epoch % checkpointPeriod == 0 {
                let (sha, bytes) = try saveResumePoint(epoch: epoch, iteration: iteration, metrics: pending)
                try onCheckpoint(EpochCheckpoint(path: resumePath, sha256: sha, bytes: bytes, epoch: epoch, iteration: iteration,
                                                 metrics: pending, resumed: false))
                pending = []
            }
        }
        if evaluation == nil || rankList == nil {
            (evaluation, rankList) = try ModelEvaluation.evaluate(model: model, data: data, config: config, rankList: true)
            others = try ModelEvaluation.evaluateOthers(model: model, data: data, config: config)
        }
        try saveModel(epoch: epoch)
        let artifacts = try ModelEvaluation.writeArtifacts(evaluation!, rankList: rankList, to: options.outputDir)
        return TrainResult(evaluation: evaluation, otherEvaluations: others, epochs: epoch, iterations: iteration,
                           imagesPerSecond: Double(images) / Swift.max(trainSeconds, 1e-9), checkpoint: checkpointPath,
                           teacherCacheHitRate: teachers?.cacheHitRate, evaluationArtifacts: artifacts, stoppedEarly: stopped)
    }

    var distillStatePath: String { "\(options.outputDir)/distill.safetensors" }

    /// State kept beside the model, saved in the resume file: the KD terms' bridges and memory
    /// banks, and the moving-average teacher of KD.TEACHER ema.
    var extraTensorGroups: [(group: String, tensors: [(String, Tensor)])] {
        let state = (objective?.stateDict ?? []) + (ema?.stateDict ?? [])
        return state.isEmpty ? [] : [("distill", state)]
    }

    func saveResumePoint(epoch: Int, iteration: Int, metrics: [MetricPoint]) throws -> (sha256: String, bytes: Int64) {
        let meta = [Checkpoint.configKey: config.yaml, Checkpoint.configHashKey: config.sha256, "code_version": BuildInfo.codeVersion,
                    Trainer.metricsMetadataKey: MetricPoint.encode(metrics)]
        return try TrainingCheckpoint.save(model: model.stateDict(), optimizer: optimizer, extra: extraTensorGroups,
                                           progress: TrainingProgress(iteration: iteration, epoch: epoch), metadata: meta, to: resumePath)
    }

    /// The trained weights as a plain model file (and the projectors beside it).
    func saveModel(epoch: Int) throws {
        var meta = [Checkpoint.configKey: config.yaml, Checkpoint.configHashKey: config.sha256, "code_version": BuildInfo.codeVersion]
        meta["epoch"] = String(epoch)
        try Checkpoint.save(model.stateDict(), metadata: meta, to: checkpointPath)
        if let g = extraTensorGroups.first { try Checkpoint.save(g.tensors, metadata: [:], to: distillStatePath) }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
