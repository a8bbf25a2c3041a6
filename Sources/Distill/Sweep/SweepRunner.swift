// Runs a sweep: resolves every planned run's config (all before anything trains, so a typo
// fails fast), records the plan in the experiment store, trains or reuses the teacher (stage
// 0), then drains the queued students: each worker claims runs atomically, trains them with
// checkpoints under results/<sweep>/<run>/, evaluates and records everything. A run that
// throws or diverges is recorded with its error and the sweep goes on. Re-running the same
// sweep skips finished runs and resumes interrupted ones from their last checkpoint.
import Foundation
import Tensor
import BuildInfo
import Config
import NN
import Data
import Eval
import Store

public struct ResolvedRun {
    public var planned: PlannedRun
    public var config: ResolvedConfig
}

public struct SweepOutcome {
    public var finished = 0, failed = 0, skipped = 0
    public var table = ""
}

public final class SweepRunner {
    public let spec: SweepSpec
    public let specDirectory: String
    public let store: ExperimentStore
    public let resultsRoot: String
    public var log: (String) -> Void = { print($0) }
    public private(set) var runs: [ResolvedRun] = []
    /// Sweep-level progress bar and ETA, shown on every epoch line.
    public private(set) var progress = SweepProgress([])
    var teacherModel: Teacher?
    /// The sweep's `teacher: {checkpoint: …}`, when given (GivenTeacher.swift).
    var givenTeacher: GivenTeacher?
    /// The log file of the run being executed (every line printed about it goes there too).
    var runLog: RunLog?

    func say(_ line: String) {
        log(line)
        runLog?.write(line)
    }

    public init(spec: SweepSpec, specPath: String, store: ExperimentStore, resultsRoot: String = "results") throws {
        self.spec = spec
        specDirectory = (specPath as NSString).deletingLastPathComponent
        self.store = store
        self.resultsRoot = resultsRoot
        if let c = spec.teacher?.checkpoint {
            givenTeacher = try GivenTeacher(checkpoint: path(c), config: spec.teacher?.config.map(path))
        }
        runs = try SweepPlan(spec).runs.map { try resolve($0) }
        progress = SweepProgress(runs.map { r in
            let backbone = r.config.values.filter { $0.key.hasPrefix("MODEL.BACKBONE.") || $0.key == InputKeys.shared.sizeTrain.name }
                .sorted { $0.key < $1.key }.map { $0.value.plain }.joined(separator: ",")
            let kd = (try? KDConfig.terms(of: r.config.peek(\KDKeys.method)).isEmpty == false) ?? false
            return SweepProgress.Entry(name: r.planned.name, epochs: r.config.peek(\SolverKeys.maxEpoch),
                                       costClass: "\(r.planned.role == .teacher ? "teacher" : "student") \(backbone)\(kd ? " +kd" : "")")
        })
    }

    public var sweepDirectory: String { "\(resultsRoot)/\(spec.name)" }
    func runDirectory(_ name: String) -> String { "\(sweepDirectory)/\(name)" }
    var teacherCheckpoint: String {
        givenTeacher?.checkpoint(runDirectory: runDirectory("teacher")) ?? "\(runDirectory("teacher"))/model.safetensors"
    }

    /// Paths in the sweep file are relative to it.
    func path(_ p: String) -> String { p.hasPrefix("/") || specDirectory.isEmpty ? p : "\(specDirectory)/\(p)" }

    func resolve(_ r: PlannedRun) throws -> ResolvedRun {
        var opts: [String] = []
        for (k, v) in r.overrides { opts += [k, v] }
        opts += [RunKeys.shared.outputDir.name, runDirectory(r.name)]
        if r.role == .student {
            opts += [KDKeys.shared.teacherWeights.name, teacherCheckpoint]
            if let t = spec.teacher?.config, givenTeacher?.baseYAML == nil { opts += [KDKeys.shared.teacherConfig.name, t] }
        }
        let resolved: ResolvedConfig
        do {
            if r.role == .teacher, let base = givenTeacher?.baseYAML {
                resolved = try RunConfig.schema.load(yaml: base, source: teacherCheckpoint, overrides: opts)
            } else {
                resolved = try r.baseConfig.map { try RunConfig.load(file: path($0), overrides: opts) }
                    ?? RunConfig.schema.load(overrides: opts)
            }
        } catch {
            throw SweepError("run \(r.name): \(error)")
        }
        let config = resolved
        let kd = try KDConfig.terms(of: config.peek(\KDKeys.method))
        if r.role == .student && kd.isEmpty {
            throw SweepError("run \(r.name): a distilled student needs KD.METHOD (set it in grid or runs), got none")
        }
        if r.role == .student && spec.teacher == nil {
            throw SweepError("sweep \(spec.name): distilled students need a 'teacher' entry")
        }
        return ResolvedRun(planned: r, config: config)
    }

    /// Loads (or, for the synthetic default, generates) the dataset the runs share.
    public func dataset(for c: ResolvedConfig) throws -> ReidDataset {
        let root = c[\DatasetKeys.root]
        if c[\DatasetKeys.names][0].lowercased() == "synthetic" && !FileManager.default.fileExists(atPath: "\(root)/bounding_box_train") {
            var s = SynthConfig()
            let size = c[\InputKeys.sizeTrain]
            s.height = size[0]; s.width = size[1]
            log("generating the synthetic dataset in \(root) (\(s.ids) ids, \(s.height)×\(s.width)) …")
            _ = try SynthGenerator(s).write(to: root)
        }
        return try TrainingData.loadDataset(c)
    }

    /// Records the sweep and its runs (existing runs are kept: finished stay finished) and
    /// requeues runs left interrupted or running by a dead process.
    @discardableResult
    public func record(fingerprint: String) throws -> Sweep {
        let sweep = try store.findOrCreateSweep(name: spec.name, spec: spec.sourceText)
        let specs = runs.map { r in
            RunSpec(name: r.planned.name, role: r.planned.role, config: r.config.canonicalJSON,
                    configHash: r.config.sha256, seed: r.config.peek(\RunKeys.seed),
                    params: Dictionary(uniqueKeysWithValues: r.config.values.map { ($0.key, $0.value.plain) }),
                    codeVersion: BuildInfo.codeVersion, datasetFingerprint: fingerprint)
        }
        try store.enqueue(specs, sweep: sweep)
        let requeued = try store.requeue(sweep: sweep.id, statuses: [.interrupted], staleAfter: 600)
        if !requeued.isEmpty { log("resuming \(requeued.count) interrupted run(s)") }
        return sweep
    }

    /// Drains the sweep's queued runs of `roles` in this process.
    public func work(sweep: Sweep, roles: Set<RunRole>, dataset: ReidDataset) throws -> SweepOutcome {
        var outcome = SweepOutcome()
        while let run = try store.claimNextRun(sweep: sweep.id, roles: roles, worker: .current(threads: Parallel.threads, blas: BLASKernel.status.description, cpu: CPUFeatures.host.description)) {
            guard let r = runs.first(where: { $0.planned.name == run.name }) else {
                try store.markFailed(run.id, error: "run \(run.name) is not in the sweep file any more")
                continue
            }
            let index = (runs.firstIndex { $0.planned.name == run.name } ?? 0) + 1
            // Runs other workers (or earlier invocations) ended count as done.
            progress.markComplete(try store.runs(RunFilter(sweep: sweep.id, statuses: [.finished, .failed, .diverged])).map(\.name))
            progress.start(run.name)
            runLog = RunLog(directory: runDirectory(run.name))
            defer {
                if let l = runLog, l.isOpen { _ = try? store.recordArtifact(run: run.id, kind: "log", file: l.path) }
                runLog = nil
            }
            say("── run \(index)/\(runs.count): \(run.name) (\(run.role.rawValue))  \(progress.line())")
            do {
                try execute(r, run: run, dataset: dataset)
                try store.markFinished(run.id)
                outcome.finished += 1
            } catch let e as TrainError where e.description.hasPrefix("diverged") {
                try store.markDiverged(run.id, error: e.description)
                say("   diverged: \(e)")
                outcome.failed += 1
            } catch {
                try store.markFailed(run.id, error: "\(error)")
                say("   failed: \(error)")
                outcome.failed += 1
            }
        }
        return outcome
    }

    func execute(_ r: ResolvedRun, run: Run, dataset: ReidDataset) throws {
        let c = r.config
        let data = try TrainingData(config: c, dataset: dataset, forTraining: !(r.planned.role == .teacher && givenTeacher != nil))
        let kd = try KDConfig(config: c)
        let teacher = kd.enabled ? try loadedTeacher(student: c, numClasses: dataset.numTrainPids) : nil
        let dir = runDirectory(r.planned.name)
        var options = TrainerOptions(outputDir: dir)
        options.resume = true
        options.teacherCacheRoot = kd.cache ? "\(sweepDirectory)/teacher-cache" : nil
        if r.planned.role == .teacher, let given = givenTeacher {
            // A given teacher: evaluate and record it, no training (a FastReID one is converted first).
            try given.materialise(runDirectory: dir)
            try recordGivenTeacher(teacherCheckpoint, config: c, data: data, run: run)
            return
        }
        if r.planned.role == .teacher, try reuseTeacher(run: run) { return }
        let trainer = try Trainer(config: c, data: data, teacher: teacher, options: options)
        let metrics = MetricsBuffer(store: store, run: run.id)
        var sinkError: Error?
        let name = r.planned.name
        trainer.onMetric = { [unowned self] k, step, epoch, v in
            if k == "epoch_seconds" { progress.epochEnded(name, epoch: epoch) }
            do { try metrics.add(k, step: step, epoch: epoch, value: v) } catch { sinkError = error }
        }
        trainer.onLog = { [unowned self] in say("   " + $0 + ($0.hasPrefix("epoch ") ? "  " + progress.line() : "")) }
        let result = try trainer.run()
        try metrics.flush()
        if let e = sinkError { throw e }
        try recordSummary(run: run, model: trainer.model, config: c, evaluation: result.evaluation,
                          others: result.otherEvaluations, extra: [
            "images_per_second_train": result.imagesPerSecond, "epochs": Double(result.epochs), "iterations": Double(result.iterations),
        ].merging(result.teacherCacheHitRate.map { ["teacher_cache_hit_rate": $0] } ?? [:]) { a, _ in a })
        _ = try store.recordArtifact(run: run.id, kind: "model", file: result.checkpoint)
        for a in result.evaluationArtifacts { _ = try store.recordArtifact(run: run.id, kind: a.kind, file: a.path) }
    }

    /// The sweep's frozen teacher, loaded once per process and shared by its students.
    func loadedTeacher(student: ResolvedConfig, numClasses: Int) throws -> Teacher? {
        if let t = teacherModel { return t }
        guard let t = runs.first(where: { $0.planned.role == .teacher }) else { return nil }
        guard FileManager.default.fileExists(atPath: teacherCheckpoint) else {
            throw TrainError("the teacher checkpoint \(teacherCheckpoint) is missing; the teacher run did not finish (see `reidkd runs list --sweep \(spec.name)`)")
        }
        // The student's KD.TEACHER_WEIGHTS names the sweep's teacher checkpoint (set in `resolve`).
        teacherModel = try Teacher.named(by: student, teacherConfig: t.config, numClasses: numClasses)
        return teacherModel
    }

    /// The same teacher (config hash + dataset fingerprint) finished in another sweep: copy its
    /// checkpoint and summary instead of training it again.
    func reuseTeacher(run: Run) throws -> Bool {
        let fm = FileManager.default
        let prior = try store.runs(RunFilter(statuses: [.finished], roles: [.teacher], configHash: run.configHash,
                                             datasetFingerprint: run.datasetFingerprint))
        for p in prior where p.id != run.id {
            guard let art = try store.artifacts(run: p.id).first(where: { $0.kind == "model" }), fm.fileExists(atPath: art.path) else { continue }
            try fm.createDirectory(atPath: (teacherCheckpoint as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: teacherCheckpoint) { try fm.removeItem(atPath: teacherCheckpoint) }
            try fm.copyItem(atPath: art.path, toPath: teacherCheckpoint)
            var summary = try store.summary(run: p.id)
            summary["reused_from_run"] = Double(p.id)
            try store.setSummary(run: run.id, summary)
            _ = try store.recordArtifact(run: run.id, kind: "model", file: teacherCheckpoint)
            // Its evaluation files (CMC, rank lists) come along for the report.
            for a in try store.artifacts(run: p.id) where a.kind != "model" && a.kind != "log" && fm.fileExists(atPath: a.path) {
                let dest = "\(runDirectory(run.name))/\((a.path as NSString).lastPathComponent)"
                guard dest != a.path else { continue }
                if fm.fileExists(atPath: dest) { try fm.removeItem(atPath: dest) }
                try fm.copyItem(atPath: a.path, toPath: dest)
                _ = try store.recordArtifact(run: run.id, kind: a.kind, file: dest)
            }
            say("   same teacher (config \(run.configHash.prefix(12)), same dataset) already trained in run \(p.id): reusing \(art.path)")
            return true
        }
        return false
    }

    func recordGivenTeacher(_ ckpt: String, config c: ResolvedConfig, data: TrainingData, run: Run) throws {
        let t = try Teacher(config: c, weights: ckpt, numClasses: data.dataset.numTrainPids)
        let (r, lists) = try ModelEvaluation.evaluate(model: t.model, data: data, config: c, rankList: true)
        let others = try ModelEvaluation.evaluateOthers(model: t.model, data: data, config: c)
        try recordSummary(run: run, model: t.model, config: c, evaluation: r, others: others, extra: [:])
        _ = try store.recordArtifact(run: run.id, kind: "model", file: ckpt)
        for a in try ModelEvaluation.writeArtifacts(r, rankList: lists, to: runDirectory(run.name)) {
            _ = try store.recordArtifact(run: run.id, kind: a.kind, file: a.path)
        }
    }

    /// The summary of a run: its headline evaluation (first DATASETS.TESTS entry) as mAP, R1 …,
    /// the other test sets as mAP@NAME, R1@NAME …, and its size and speed.
    func recordSummary(run: Run, model: ReidModel, config c: ResolvedConfig, evaluation: EvalResult?,
                       others: [(name: String, result: EvalResult)], extra: [String: Double]) throws {
        var s = extra
        for (suffix, e) in (evaluation.map { [("", $0)] } ?? []) + others.map({ ("@" + $0.name, $0.result) }) {
            s["R1" + suffix] = e.rank1 * 100; s["R5" + suffix] = e.rank5 * 100; s["R10" + suffix] = e.rank10 * 100
            s["mAP" + suffix] = e.mAP * 100; s["mINP" + suffix] = e.mINP * 100
        }
        s["params_M"] = Double(RunMeasurements.parameterCount(model)) / 1e6
        let sizeTest = c[\InputKeys.sizeTest]
        s["gflops"] = RunMeasurements.gflops(model, inputSize: sizeTest)
        let (ms1, ips64) = RunMeasurements.latency(model, inputSize: sizeTest)
        s["latency_ms_b1"] = ms1; s["images_per_second_b64"] = ips64
        s["peak_rss_mib"] = RunMeasurements.peakRSSMiB()
        s["threads"] = Double(Parallel.threads)
        try store.setSummary(run: run.id, s)
    }

    /// The closing table: one line per run of the sweep.
    public func summaryTable(sweep: Sweep) throws -> String {
        var t = TextTable(["run", "role", "status", "R1", "mAP", "mINP", "params M", "GFLOPs"])
        for run in try store.runs(RunFilter(sweep: sweep.id)) {
            let s = try store.summary(run: run.id)
            func f(_ k: String, _ d: Int = 2) -> String { s[k].map { String(format: "%.\(d)f", $0) } ?? "–" }
            t.add([run.name, run.role.rawValue, run.status.rawValue, f("R1"), f("mAP"), f("mINP"), f("params_M", 3), f("gflops", 3)])
        }
        return t.render()
    }
}
