// `reidkd export`: picks the run (best student of a sweep, or --run ID), rebuilds its model from
// its "model" artifact, and writes into a temporary folder next to the target:
//   model.safetensors  the student's state dict (+ architecture and provenance metadata)
//   preprocess.json    input size, mean/std (0–1), RGB, flip-TTA flag, metric, L2 flag
//   model.onnx         eval-mode graph, BN folded into conv, input `images` [N,3,H,W] → `embedding`
//   MODEL_CARD.md      what it is, teacher, data, metrics, preprocessing, loading, proofs
// then proves the export (ExportProof) and only then moves the folder into place. Any error
// (bad run, no artifact, missing file, unwritable folder, failed proof) leaves nothing behind.
import Foundation
import Tensor
import Config
import NN
import Data
import Store
import Support
import Distill

public struct ExportOptions: Sendable {
    public var storePath: String
    public var sweep: String?
    public var run: Int64?
    public var metric = "mAP"
    /// Output folder; default results/<sweep>/export or results/export-run<ID> (next to the store).
    public var out: String?
    /// Query images in the ONNX parity batch.
    public var parityImages = 16

    public init(storePath: String, sweep: String? = nil, run: Int64? = nil, metric: String = "mAP", out: String? = nil) {
        self.storePath = storePath; self.sweep = sweep; self.run = run; self.metric = metric; self.out = out
    }
}

public struct ExportResult: Sendable {
    public var directory: String
    public var selection: ExportSelection
    public var proof: ExportProof
    /// (file name, bytes, sha256) of each written file.
    public var files: [(name: String, bytes: Int64, sha256: String)]
}

public enum Exporter {
    /// Artifact kinds the export records for the run (besides the training's "model").
    public static let artifactKinds = [("export", ExportedModel.weightsFile), ("onnx", ExportedModel.onnxFile),
                                       ("model_card", ExportedModel.cardFile)]

    public static func export(_ o: ExportOptions, log: (String) -> Void = { print($0) }) throws -> ExportResult {
        let store = try ExperimentStore(path: o.storePath, create: false)
        let selection: ExportSelection
        if let id = o.run {
            selection = try BestRun.run(store: store, id: id, metric: o.metric)
        } else {
            selection = try BestRun.select(store: store, sweep: try BestRun.sweep(store: store, named: o.sweep), metric: o.metric)
        }
        let run = selection.run
        log("exporting run \(run.id) '\(run.name)' (\(run.role.rawValue)" + (selection.sweep.map { ", sweep '\($0.name)'" } ?? "")
            + (selection.value.map { String(format: ", %@ %.2f", o.metric, $0) } ?? "")
            + (selection.candidates > 0 ? ", best of \(selection.candidates) finished student/baseline runs" : "") + ")")

        guard let artifact = try store.artifacts(run: run.id).last(where: { $0.kind == "model" }) else {
            throw ExportError("run \(run.id) (\(run.name)) has no model artifact (kind 'model') in \(store.path): it finished without a checkpoint; re-run it, or export another run")
        }
        guard FileManager.default.fileExists(atPath: artifact.path) else {
            throw ExportError("the checkpoint of run \(run.id) (\(run.name)), \(artifact.path), is missing (moved or deleted?); run the command from the folder the sweep ran in, or re-run the sweep")
        }
        let digest = try SHA256.file(at: artifact.path).sha256
        if digest != artifact.sha256 {
            throw ExportError("\(artifact.path) changed since run \(run.id) recorded it (sha256 \(digest.prefix(12))… vs recorded \(artifact.sha256.prefix(12))…); its metrics would not describe it — re-run the run or restore the file")
        }

        let resultsRoot = try store.resultsFolder(for: selection.sweep)
        let root = resultsRoot.isEmpty ? "." : resultsRoot
        let out: String
        if let given = o.out {
            out = given
        } else if let sweep = selection.sweep {
            // Formed from the sweep name in the store (an older ReidKD accepted `..`): keep it in results/.
            out = try SafeName.child(sweep.name, of: root, what: "sweep name") + "/export"
        } else {
            out = "\(root)/export-run\(run.id)"
        }
        let folder = try AtomicFolder(target: out)
        do {
            let result = try write(selection: selection, checkpoint: artifact.path, checkpointSHA: digest, store: store,
                                   folder: folder, options: o, log: log)
            try folder.commit()
            log("wrote \(folder.target)")
            // Provenance in the store; the export itself is complete either way.
            do {
                for (kind, name) in Exporter.artifactKinds {
                    // The path as the user gave it (relative like the training's artifacts, when it was).
                    _ = try store.recordArtifact(run: run.id, kind: kind, file: "\((out as NSString).standardizingPath)/\(name)")
                }
            } catch {
                log("warning: the export is complete, but recording it in \(store.path) failed: \(error)")
            }
            return result
        } catch {
            folder.discard()
            throw error
        }
    }

    static func write(selection: ExportSelection, checkpoint: String, checkpointSHA: String, store: ExperimentStore,
                      folder: AtomicFolder, options o: ExportOptions, log: (String) -> Void) throws -> ExportResult {
        let run = selection.run
        // The checkpoint's own config is authoritative; the store's config JSON (canonical form,
        // without unhashed keys such as DATASETS.ROOT) is only a fallback for files without one.
        let (model, resolved, _) = try ModelLoader.load(checkpoint, fallbackConfig: run.config)
        let c = resolved
        let data = try TrainingData(config: c)
        let fingerprint = try data.dataset.fingerprint()
        let preprocess = Preprocess(config: c, model: model)

        // 1. Weights: exactly the student's state dict, with the architecture and provenance.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys   // stable bytes: the same export twice gives the same file
        let spec = String(decoding: try encoder.encode(model.spec), as: UTF8.self)
        var meta = [Checkpoint.configKey: resolved.yaml, Checkpoint.configHashKey: resolved.sha256,
                    "architecture": spec, "export.run_id": String(run.id), "export.run_name": run.name,
                    "export.role": run.role.rawValue, "export.source_sha256": checkpointSHA,
                    "export.embedding": "eval-mode neck feature '\(model.spec.neckFeat)', \(preprocess.embeddingDim)-d"]
        if let s = selection.sweep { meta["export.sweep"] = s.name }
        if let f = run.datasetFingerprint { meta["dataset_fingerprint"] = f }
        try Checkpoint.save(model.stateDict(), metadata: meta, to: folder.path(ExportedModel.weightsFile))
        try preprocess.json().write(to: URL(fileURLWithPath: folder.path(ExportedModel.preprocessFile)))

        // 2. ONNX.
        let onnx = try ONNXExport.lower(model, inputSize: preprocess.inputSize,
                                        docString: "ReidKD run \(run.id) '\(run.name)': \(model.spec.backbone) re-id embedding; see MODEL_CARD.md",
                                        metadata: [("reidkd.run_id", String(run.id)), ("reidkd.config_sha256", resolved.sha256),
                                                   ("reidkd.preprocess", String(decoding: try preprocess.json(), as: UTF8.self))])
        try Data(onnx.encoded()).write(to: URL(fileURLWithPath: folder.path(ExportedModel.onnxFile)))

        // 3. Proofs, on the files just written (a fresh model from model.safetensors).
        let reloaded = try ModelLoader.load(folder.path(ExportedModel.weightsFile)).model
        log("re-evaluating the exported weights on \(data.testSets[0].dataset.query.count) queries / \(data.testSets[0].dataset.gallery.count) gallery images …")
        var proof = try ExportProof.reproduceMAP(model: reloaded, data: data, config: c, stored: try store.summary(run: run.id)["mAP"])
        log(proof.mapSummary)
        let (images, native) = try ExportProof.parityBatch(model: reloaded, data: data, count: o.parityImages)
        proof.onnx = try ONNXRuntimeCheck.compare(onnxPath: folder.path(ExportedModel.onnxFile), images: images, native: native)
        log(proof.onnx.summary)
        guard proof.passed else {
            let dataHint = run.datasetFingerprint.map { $0 == fingerprint ? "" : " (the dataset under \(c[\DatasetKeys.root]) is not the one the run was scored on: fingerprint \(fingerprint.prefix(12))… vs recorded \($0.prefix(12))…)" } ?? ""
            throw ExportError("the export does not reproduce run \(run.id): \(proof.mapPassed ? proof.onnx.summary : proof.mapSummary + dataHint); nothing was written")
        }

        // 4. Model card, then the file list.
        let teacher = try teacherInfo(store: store, sweep: selection.sweep)
        let card = ModelCard(selection: selection, summary: try store.summary(run: run.id), config: c,
                             teacher: teacher, spec: model.spec, parameterCount: model.parameterCount, preprocess: preprocess,
                             proof: proof, recordedFingerprint: run.datasetFingerprint, currentFingerprint: fingerprint,
                             datasetName: c[\DatasetKeys.names][0], checkpoint: checkpoint)
        try card.markdown.write(toFile: folder.path(ExportedModel.cardFile), atomically: false, encoding: .utf8)
        var files: [(String, Int64, String)] = []
        for name in [ExportedModel.weightsFile, ExportedModel.preprocessFile, ExportedModel.onnxFile, ExportedModel.cardFile] {
            let (sha, bytes) = try SHA256.file(at: folder.path(name))
            files.append((name, bytes, sha))
        }
        return ExportResult(directory: folder.target, selection: selection, proof: proof, files: files)
    }

    /// The finished teacher of the sweep, if any.
    static func teacherInfo(store: ExperimentStore, sweep: Sweep?) throws -> ModelCard.Teacher? {
        guard let s = sweep, let t = try store.runs(RunFilter(sweep: s.id, statuses: [.finished], roles: [.teacher])).first else { return nil }
        // The store's params hold the flattened config; the config JSON itself reads back exactly.
        let config = try? RunConfig.schema.load(yaml: t.config, source: "teacher run \(t.id) config")
        return ModelCard.Teacher(run: t, summary: try store.summary(run: t.id), config: config)
    }
}
