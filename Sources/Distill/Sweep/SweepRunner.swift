// Runs a sweep: resolves every planned run's config (all before anything trains, so a typo
// fails fast), records the plan in the experiment store, then runs its queued runs: the
// teacher (stage 0; trained, reused from another sweep or a given checkpoint) before the
// distilled students, which wait for it. Each run is claimed atomically under a lease, trains
// with a resume point per epoch under results/<sweep>/<run>/ (each committed to the store in
// one transaction with its metric rows), is evaluated and ends in one transaction with its
// summary and artifacts. A run that throws or diverges is recorded with its error and the
// sweep goes on. Re-running the same sweep skips finished runs and resumes interrupted ones
// from their last checkpoint. `reidkd sweep` runs every run in a worker process of its own
// (SweepSupervisor, SweepWorker); `work` drains runs in this process (tests).
import Foundation
import Tensor
import BuildInfo
import Config
import NN
import Data
import Eval
import Store
import Support

public struct ResolvedRun {
    public var planned: PlannedRun
    public var config: ResolvedConfig
}

public struct SweepOutcome {
    public var finished = 0, failed = 0, skipped = 0, pruned = 0
    public var table = ""
}

public final class SweepRunner {
    public let spec: SweepSpec
    /// The sweep file as given (recorded in the store for workers) and its folder.
    public let specPath: String
    public let specDirectory: String
    public let store: ExperimentStore
    public let resultsRoot: String
    public var log: (String) -> Void = { print($0) }
    public private(set) var runs: [ResolvedRun] = []
    /// Sweep-level progress bar and ETA, shown on every epoch line.
    public internal(set) var progress = SweepProgress([])
    var lastProgressRefresh = Date.distantPast
    var teacherModel: Teacher?
    /// Teachers of a KD.TEACHER_MIX (a sweep's `teachers:` or its assistant), by run name.
    var mixTeachers: [String: Teacher] = [:]
    /// Teachers given by a `checkpoint:` (GivenTeacher.swift), by teacher run name: `teacher`, or
    /// `teacher-<name>` for each of several `teachers:`.
    var givenTeachers: [String: GivenTeacher] = [:]
    /// The log file of the run being executed (every line printed about it goes there too).
    var runLog: RunLog?

    func say(_ line: String) {
        log(line)
        runLog?.write(line)
    }

    public init(spec: SweepSpec, specPath: String, store: ExperimentStore, resultsRoot: String = "results") throws {
        self.spec = spec
        self.specPath = specPath
        specDirectory = (specPath as NSString).deletingLastPathComponent
        self.store = store
        self.resultsRoot = resultsRoot
        for (name, ref) in SweepPlan.teacherRuns(spec) {
            guard let c = ref.checkpoint else { continue }
            givenTeachers[name] = try GivenTeacher(checkpoint: path(c), config: ref.config.map(path), runDirectory: runDirectory(name))
        }
        runs = try SweepPlan(spec).runs.map { try resolve($0) }
        progress = SweepProgress(runs.map { r in
            let backbone = r.config.values.filter { $0.key.hasPrefix("MODEL.BACKBONE.") || $0.key == InputKeys.shared.sizeTrain.name }
                .sorted { $0.key < $1.key }.map { $0.value.plain }.joined(separator: ",")
            let kd = (try? KDConfig.terms(of: r.config.peek(\KDKeys.method)).isEmpty == false) ?? false
            let role = r.planned.role == .teacher ? "teacher" : "student"
            return SweepProgress.Entry(name: r.planned.name, epochs: r.config.peek(\SolverKeys.maxEpoch),
                                       costClass: "\(role) \(backbone)\(kd ? " +kd" : "")", role: role, dependsOn: r.planned.dependsOn)
        })
        progress.workers = SweepWorker.concurrentWorkers()
    }

    public var sweepDirectory: String { "\(resultsRoot)/\(spec.name)" }
    func runDirectory(_ name: String) -> String { "\(sweepDirectory)/\(name)" }
    var teacherCheckpoint: String {
        givenTeachers["teacher"]?.checkpoint(runDirectory: runDirectory("teacher")) ?? "\(runDirectory("teacher"))/model.safetensors"
    }

    /// Paths in the sweep file are relative to it.
    func path(_ p: String) -> String { p.hasPrefix("/") || specDirectory.isEmpty ? p : "\(specDirectory)/\(p)" }

    func resolve(_ r: PlannedRun) throws -> ResolvedRun {
        var opts: [String] = []
        for (k, v) in r.overrides { opts += [k, v] }
        opts += [RunKeys.shared.outputDir.name, try SweepPlan.runFolder(r.name, sweep: spec.name, resultsRoot: resultsRoot)]
        if r.role == .student && spec.teachers.isEmpty && spec.assistant == nil {
            opts += [KDKeys.shared.teacherWeights.name, teacherCheckpoint]
            if let t = spec.teacher?.config, givenTeachers["teacher"]?.baseYAML == nil { opts += [KDKeys.shared.teacherConfig.name, t] }
        }
        let resolved: ResolvedConfig
        do {
            if r.role == .teacher, let given = givenTeachers[r.name], let base = given.baseYAML {
                resolved = try RunConfig.schema.load(yaml: base, source: given.checkpoint(runDirectory: runDirectory(r.name)), overrides: opts)
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
        if r.role == .student && spec.teacher == nil && spec.teachers.isEmpty && config.peek(\KDKeys.teacher) != "ema" {
            throw SweepError("sweep \(spec.name): distilled students need a 'teacher' entry (or KD.TEACHER: ema for self-distillation)")
        }
        return ResolvedRun(planned: r, config: config)
    }

    /// Records the sweep, its runs (existing runs are kept: finished stay finished) and where its
    /// files are, and requeues runs left interrupted or running by a dead worker — and, with
    /// `retryFailed`, failed runs (a crash, an error) too.
    @discardableResult
    public func record(fingerprint: String, retryFailed: Bool = false) throws -> Sweep {
        let sweep = try store.findOrCreateSweep(name: spec.name, spec: spec.sourceText)
        let specs = runs.map { r in
            RunSpec(name: r.planned.name, role: r.planned.role, config: r.config.canonicalJSON,
                    configHash: r.config.sha256, seed: r.config.peek(\RunKeys.seed),
                    params: Dictionary(uniqueKeysWithValues: r.config.values.map { ($0.key, $0.value.plain) }),
                    codeVersion: BuildInfo.codeVersion, datasetFingerprint: fingerprint, dependsOn: r.planned.dependsOn)
        }
        try store.enqueue(specs, sweep: sweep)
        try store.recordLaunch(sweep: sweep.id, SweepLaunch(workdir: FileManager.default.currentDirectoryPath,
                                                            specPath: specPath, resultsRoot: resultsRoot))
        let requeued = try store.requeue(sweep: sweep.id, statuses: retryFailed ? [.interrupted, .failed] : [.interrupted],
                                         staleAfter: StoreDefaults.staleAfter)
        if !requeued.isEmpty { log("resuming \(requeued.count) interrupted\(retryFailed ? " or failed" : "") run(s)") }
        return sweep
    }

    func execute(_ r: ResolvedRun, run: Run, dataset: ReidDataset) throws -> RunEnd {
        let c = r.config
        guard run.configHash == c.sha256 else {
            throw SweepError("run \(run.name): the sweep file or a config it uses changed since the sweep was recorded (config hash \(run.configHash.prefix(12)) in the store, \(c.sha256.prefix(12)) now); run `reidkd sweep \(specPath)` again, or give the sweep a new name")
        }
        let data = try TrainingData(config: c, dataset: dataset, forTraining: givenTeachers[r.planned.name] == nil)
        let kd = try KDConfig(config: c)
        let teachers = kd.needsGivenTeacher ? try teachersOf(c, numClasses: dataset.numTrainPids, sweep: run.sweepID) : []
        let dir = runDirectory(r.planned.name)
        // This worker holds the run's lease, so any temporary file in its folder is a killed
        // writer's (a partial checkpoint, evaluation file …).
        for t in AtomicFile.removeTemporaries(in: dir) { say("   removed \(t), left by an interrupted write") }
        var options = TrainerOptions(outputDir: dir)
        options.resume = true
        options.teacherCacheRoot = kd.cache ? "\(sweepDirectory)/teacher-cache" : nil
        if r.planned.role == .teacher, let given = givenTeachers[r.planned.name] {
            // A given teacher: evaluate and record it, no training (a FastReID one is converted first).
            try given.materialise(runDirectory: dir)
            try recordGivenTeacher(given.checkpoint(runDirectory: dir), config: c, data: data, run: run)
            return .finished
        }
        if r.planned.role == .teacher && !kd.enabled, try reuseTeacher(run: run) { return .finished }
        let maxEpoch = c.peek(\SolverKeys.maxEpoch)
        if let p = spec.prune, r.planned.role == .student, let sweepID = run.sweepID {
            let pruner = Pruner(spec: p, store: store, sweep: sweepID, run: run.id)
            options.gateEpochs = Set(p.checkEpochs(maxEpoch: maxEpoch))
            options.gate = { epoch, evaluation in try pruner.check(epoch: epoch, evaluation: evaluation) }
        }
        let trainer = try Trainer(config: c, data: data, teachers: teachers, options: options)
        let name = r.planned.name
        trainer.onMetric = { [unowned self] k, _, epoch, _ in
            if k == "epoch_seconds" {
                progress.epochEnded(name, epoch: epoch)
                // Display only: a look at the store that fails keeps the last estimate.
                if let sweep = run.sweepID { try? refreshProgress(sweep: sweep) }
            }
        }
        trainer.onLog = { [unowned self] line in
            say("   " + line + (line.hasPrefix("epoch ") ? "  " + progress.line() : ""))
            if line.hasPrefix("epoch "), let e = Int(line.dropFirst(6).prefix { $0.isNumber }) { SweepFault.hit(.epoch, run: name, epoch: e) }
        }
        // Each resume point is committed with its epochs' metric rows in one transaction.
        trainer.onCheckpoint = { [unowned self] ckpt in
            SweepFault.hit(.checkpoint, run: name, epoch: ckpt.epoch)
            try store.commitCheckpoint(run: run.id, metrics: ckpt.metrics, checkpoint: ArtifactFile(kind: "checkpoint", path: URL(fileURLWithPath: ckpt.path).standardizedFileURL.path,
                                        sha256: ckpt.sha256, bytes: ckpt.bytes))
            SweepFault.hit(.committed, run: name, epoch: ckpt.epoch)
        }
        let result = try trainer.run()
        var summary = RunMeasurements.summary(model: trainer.model, config: c, evaluation: result.evaluation,
                                   others: result.otherEvaluations, extra: [
            "images_per_second_train": result.imagesPerSecond, "epochs": Double(result.epochs), "iterations": Double(result.iterations),
        ].merging(result.teacherCacheHitRate.map { ["teacher_cache_hit_rate": $0] } ?? [:]) { a, _ in a })
        if result.stoppedEarly != nil {
            summary["pruned_at_epoch"] = Double(result.epochs)
            summary["epochs_saved"] = Double(maxEpoch - result.epochs)
        }
        try finish(run, summary: summary, files: [("model", result.checkpoint)] + result.evaluationArtifacts.map { ($0.kind, $0.path) },
                   pruned: result.stoppedEarly)
        return result.stoppedEarly == nil ? .finished : .pruned
    }

    /// Ends `run` as finished (or pruned, with why) with its summary and files (plus its log) in
    /// one transaction.
    func finish(_ run: Run, summary: [String: Double], files: [(kind: String, path: String)], pruned: String? = nil) throws {
        say(pruned == nil ? "   finished" : "   \(pruned!)")
        var artifacts = try files.map { try ArtifactFile.hashing(kind: $0.kind, file: $0.path) }
        if let l = runLog, l.isOpen { artifacts.append(try ArtifactFile.hashing(kind: "log", file: l.path)) }
        SweepFault.hit(.finish, run: run.name)
        try store.finish(run: run.id, summary: summary, artifacts: artifacts, as: pruned == nil ? .finished : .pruned, note: pruned)
    }

    /// The sweep's frozen teacher, loaded once per process and shared by its students — only
    /// once the teacher run is finished and its model file is the one it recorded (another
    /// process may still be training it, or the file may have been replaced).
    func loadedTeacher(student: ResolvedConfig, numClasses: Int, sweep: Int64?) throws -> Teacher? {
        if let t = teacherModel { return t }
        guard let t = runs.first(where: { $0.planned.role == .teacher }) else { return nil }
        let record = try sweep.flatMap { try store.runs(RunFilter(sweep: $0, roles: [.teacher])).first }
        guard let record, record.status == .finished,
              let art = try store.artifacts(run: record.id).last(where: { $0.kind == "model" }) else {
            throw TrainError("the teacher run is \(record?.status.rawValue ?? "not recorded"), not finished with a model; students need a finished teacher (see `reidkd runs list --sweep \(spec.name)`)")
        }
        let here = URL(fileURLWithPath: teacherCheckpoint).standardizedFileURL.path
        let digest = try? SHA256.file(at: here).sha256
        guard art.path == here, digest == art.sha256 else {
            throw TrainError("the teacher checkpoint \(here) is \(digest == nil ? "missing" : "not the file the teacher run recorded (\(art.path), sha256 \(art.sha256.prefix(12)))"); re-run the teacher (`reidkd sweep FILE --retry-failed` after `reidkd runs list --sweep \(spec.name)`)")
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
            guard let art = try store.artifacts(run: p.id).last(where: { $0.kind == "model" }), fm.fileExists(atPath: art.path) else { continue }
            let dest = "\(runDirectory(run.name))/model.safetensors"
            try FileSystem.createFolder(runDirectory(run.name))
            // Copies are written whole or not at all (a kill mid-copy must not leave a short file).
            func copy(_ from: String, _ to: String) throws { try AtomicFile.write(try Data(contentsOf: URL(fileURLWithPath: from)), to: to) }
            try copy(art.path, dest)
            var summary = try store.summary(run: p.id)
            summary["reused_from_run"] = Double(p.id)
            var files: [(kind: String, path: String)] = [("model", dest)]
            // Its evaluation files (CMC, rank lists) come along for the report.
            for a in try store.artifacts(run: p.id) where !["model", "log", "checkpoint"].contains(a.kind) && fm.fileExists(atPath: a.path) {
                let to = "\(runDirectory(run.name))/\((a.path as NSString).lastPathComponent)"
                guard to != a.path else { continue }
                try copy(a.path, to)
                files.append((a.kind, to))
            }
            say("   same teacher (config \(run.configHash.prefix(12)), same dataset) already trained in run \(p.id): reusing \(art.path)")
            try finish(run, summary: summary, files: files)
            return true
        }
        return false
    }

    func recordGivenTeacher(_ ckpt: String, config c: ResolvedConfig, data: TrainingData, run: Run) throws {
        let t = try Teacher(config: c, weights: ckpt, numClasses: data.dataset.numTrainPids)
        try t.model.validate(inputSize: c[\InputKeys.sizeTest], key: InputKeys.shared.sizeTest.name)
        let (r, lists) = try ModelEvaluation.evaluate(model: t.model, data: data, config: c, rankList: true)
        let others = try ModelEvaluation.evaluateOthers(model: t.model, data: data, config: c)
        let files = try ModelEvaluation.writeArtifacts(r, rankList: lists, to: runDirectory(run.name))
        try finish(run, summary: RunMeasurements.summary(model: t.model, config: c, evaluation: r, others: others, extra: [:]),
                   files: [("model", ckpt)] + files.map { ($0.kind, $0.path) })
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
