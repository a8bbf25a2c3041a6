// `reidkd train`: one model from a config, outside a sweep. The teacher of a distilled run is
// the one KD.TEACHER_CONFIG and KD.TEACHER_WEIGHTS name (or the student's own moving average);
// checkpoints, the evaluation files, the teacher-output cache and `log.txt` (every line printed)
// go under OUTPUT_DIR. The run is recorded in the experiment store as a run without a sweep —
// named after OUTPUT_DIR's last folder, role `student` with KD and `baseline` without — with its
// metrics committed with each checkpoint, like a sweep's runs; `--resume` continues that record.
import Foundation
import Tensor
import Support
import Config
import BuildInfo
import NN
import Data
import Eval
import Store

public enum StandaloneTraining {
    /// Builds the data, teacher and trainer of `config`; `log` receives the dataset table and
    /// the model line before training starts.
    public static func trainer(config c: ResolvedConfig, resume: Bool, maxIterations: Int?,
                               log: (String) -> Void) throws -> Trainer {
        let data = try TrainingData(config: c)
        log(data.dataset.statisticsTable)
        let kd = try KDConfig(config: c)
        if kd.needsGivenTeacher, !c[\KDKeys.teacherMix].isEmpty {
            throw TrainError("KD.TEACHER_MIX names runs of a sweep (its `teachers:` or `assistant:`); `reidkd train` distils from the one teacher of KD.TEACHER_CONFIG and KD.TEACHER_WEIGHTS — leave KD.TEACHER_MIX empty, or run the sweep")
        }
        let teacher = kd.needsGivenTeacher ? try Teacher.named(by: c, numClasses: data.dataset.numTrainPids) : nil
        let outputDir = c[\RunKeys.outputDir]
        var options = TrainerOptions(outputDir: outputDir)
        options.resume = resume
        options.maxIterations = maxIterations
        options.teacherCacheRoot = kd.cache ? "\(outputDir)/teacher-cache" : nil
        let trainer = try Trainer(config: c, data: data, teacher: teacher, options: options)
        let spec = trainer.model.spec
        let depth = spec.backbone == "resnet" ? "-\(spec.depth)" : ""   // depth means nothing to MobileNetV2
        log("model: \(spec.backbone)\(depth) ×\(spec.width), " +
            String(format: "%.2f M parameters", Double(trainer.model.parameters().reduce(0) { $0 + $1.count }) / 1e6))
        return trainer
    }

    /// Trains `config`, printing through `log` and into OUTPUT_DIR/log.txt, and records the run
    /// in the store `openStore` opens (nil: not recorded). Nothing is written — no folder, log or
    /// store — until the data, teacher and model are built. Returns the result and the run's id.
    public static func run(config c: ResolvedConfig, openStore: () throws -> ExperimentStore?, resume: Bool, maxIterations: Int?,
                           log: @escaping (String) -> Void) throws -> (result: TrainResult, trainer: Trainer, run: Int64?) {
        var early: [String] = []
        let trainer = try self.trainer(config: c, resume: resume, maxIterations: maxIterations) { log($0); early.append($0) }
        try FileSystem.createFolder(c[\RunKeys.outputDir])
        let file = RunLog(directory: c[\RunKeys.outputDir])
        for line in early { file.write(line) }
        let say: (String) -> Void = { log($0); file.write($0) }
        trainer.onLog = say
        guard let store = try openStore() else { return (try trainer.run(), trainer, nil) }

        let run = try record(config: c, trainer: trainer, store: store, resume: resume)
        let lease = try store.acquireLease()
        defer { lease.release() }
        _ = try store.start(run, worker: .current(threads: Parallel.threads, blas: BLASKernel.status.description,
                                                  cpu: CPUFeatures.host.description, lease: lease))
        lease.keepAlive(run: run, store: store)
        say("recorded as run \(run) in \(store.path)")
        trainer.onCheckpoint = { ckpt in
            try store.commitCheckpoint(run: run, metrics: ckpt.metrics, checkpoint: ArtifactFile(kind: "checkpoint", path: URL(fileURLWithPath: ckpt.path).standardizedFileURL.path,
                                        sha256: ckpt.sha256, bytes: ckpt.bytes))
        }
        do {
            let result = try trainer.run()
            let summary = RunMeasurements.summary(model: trainer.model, config: c, evaluation: result.evaluation, others: result.otherEvaluations, extra: [
                "images_per_second_train": result.imagesPerSecond, "epochs": Double(result.epochs), "iterations": Double(result.iterations),
            ].merging(result.teacherCacheHitRate.map { ["teacher_cache_hit_rate": $0] } ?? [:]) { a, _ in a })
            var artifacts = try ([("model", result.checkpoint)] + result.evaluationArtifacts.map { ($0.kind, $0.path) })
                .map { try ArtifactFile.hashing(kind: $0.0, file: $0.1) }
            if file.isOpen { artifacts.append(try ArtifactFile.hashing(kind: "log", file: file.path)) }
            try store.finish(run: run, summary: summary, artifacts: artifacts)
            return (result, trainer, run)
        } catch let e as TrainError where e.description.hasPrefix("diverged") {
            try? store.markDiverged(run, error: e.description)
            throw e
        } catch {
            try? store.markFailed(run, error: "\(error)")
            throw error
        }
    }

    /// The store record of this training: with `resume`, the last unfinished record of the same
    /// name and config (put back in the queue); otherwise a new one.
    static func record(config c: ResolvedConfig, trainer: Trainer, store: ExperimentStore, resume: Bool) throws -> Int64 {
        let name = SweepPlan.sanitize(URL(fileURLWithPath: c[\RunKeys.outputDir]).standardizedFileURL.lastPathComponent)
        if resume, let prior = try store.runs(RunFilter(configHash: c.sha256, name: name)).last(where: { $0.sweepID == nil && $0.status != .finished }) {
            if prior.status != .queued { try store.requeue(run: prior.id) }
            return prior.id
        }
        let spec = RunSpec(name: name, role: trainer.kd.enabled ? .student : .baseline, config: c.canonicalJSON, configHash: c.sha256,
                           seed: c.peek(\RunKeys.seed), params: Dictionary(uniqueKeysWithValues: c.values.map { ($0.key, $0.value.plain) }),
                           codeVersion: BuildInfo.codeVersion, datasetFingerprint: try trainer.data.dataset.fingerprint())
        return try store.enqueue([spec], sweep: nil)[0].id
    }
}
