// `Exporter.export` end to end on a fixture store: the files, bit-identical reloaded weights,
// the embedding of `reidkd embed` equal to the original model's, preprocess.json, the model
// card, and the proofs (the stored mAP reproduced; ONNX parity when onnxruntime is present).
import XCTest
import Foundation
import Tensor
import NN
import Data
import Store
import Distill
@testable import Export

final class ExportRoundTripTests: XCTestCase {
    func testExportBestAndEmbed() throws {
        let fx = try ExportFixture(overrides: ["TEST.FLIP.ENABLED", "True", "MODEL.HEADS.POOL_LAYER", "gem"])
        defer { fx.remove() }
        var lines: [String] = []
        let r = try Exporter.export(ExportOptions(storePath: fx.storePath, sweep: "fx"), log: { lines.append($0) })
        XCTAssertEqual(r.directory, URL(fileURLWithPath: "\(fx.dir)/results/fx/export").standardizedFileURL.path)
        XCTAssertEqual(r.selection.run.id, fx.student.id)
        XCTAssertEqual(r.files.map(\.name), ["model.safetensors", "preprocess.json", "model.onnx", "MODEL_CARD.md"])
        XCTAssertTrue(r.proof.mapPassed, r.proof.mapSummary)
        XCTAssertTrue(lines.contains { $0.hasPrefix("mAP check: stored") && $0.hasSuffix("PASS") }, lines.joined(separator: "\n"))
        if r.proof.onnx.skipped == nil { XCTAssertTrue(r.proof.onnx.passed, r.proof.onnx.summary) }
        print("  " + r.proof.mapSummary + "\n  " + r.proof.onnx.summary)

        // Weights: same keys in the same order, bit-identical values; provenance metadata.
        let (state, meta) = try Checkpoint.load("\(r.directory)/model.safetensors")
        let original = fx.model.stateDict()
        XCTAssertEqual(state.map(\.0), original.map(\.0))
        for ((k, a), (_, b)) in zip(state, original) {
            XCTAssertEqual(a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern), k)
        }
        XCTAssertEqual(meta[Checkpoint.configHashKey], fx.config.sha256)
        XCTAssertEqual(meta["export.run_id"], String(fx.student.id))
        XCTAssertNotNil(meta["architecture"])

        // preprocess.json from the config.
        let p = try Preprocess.load("\(r.directory)/preprocess.json")
        XCTAssertEqual(p.inputSize, [32, 16])
        XCTAssertEqual(p.mean.map { ($0 * 1e4).rounded() / 1e4 }, [0.485, 0.456, 0.406])
        XCTAssertTrue(p.flipTTA)
        XCTAssertEqual(p.distanceMetric, "cosine")
        XCTAssertTrue(p.l2Normalize)
        XCTAssertEqual(p.channelOrder, "RGB")
        XCTAssertEqual(p.embeddingDim, fx.model.heads.inFeatures)
        // The key names consumers read (snake_case, as documented in docs/EXPORT.md).
        let raw = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: "\(r.directory)/preprocess.json"))) as? [String: Any]
        XCTAssertEqual(Set(raw?.keys.map { $0 } ?? []), ["format", "format_version", "input_size", "input_name", "layout", "dtype", "channel_order",
                                                        "resize", "mean", "std", "flip_tta", "distance_metric", "l2_normalize", "rerank",
                                                        "output_name", "embedding_dim", "neck_feat"])

        // embed = the original model on the evaluation transform of the same files.
        let exported = try ExportedModel(directory: r.directory)
        let files = Array(fx.data.dataset.query.prefix(5).map(\.path))
        let e = try exported.embed(files: files)
        let expected = withNoGrad { fx.model(try! fx.data.testLoader.batch(indices: Array(0..<5)).images) }
        XCTAssertEqual(e.shape, expected.shape)
        XCTAssertEqual(e.scalars, expected.scalars)
        // Flags: flip averages with the mirror, normalize gives unit rows.
        let n = try exported.embed(files: files, flip: true, normalize: true)
        for i in 0..<5 {
            let row = n.scalars[(i * n.shape[1])..<((i + 1) * n.shape[1])]
            XCTAssertEqual(row.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        }
        XCTAssertNotEqual(n.scalars, e.scalars)
        // … and what model.onnx outputs for the same files (when onnxruntime is importable).
        let viaONNX = try ONNXRuntimeCheck.compare(onnxPath: "\(r.directory)/model.onnx", images: try exported.images(files), native: e)
        if viaONNX.skipped == nil { XCTAssertLessThanOrEqual(viaONNX.maxAbsDiff, ONNXParity.tolerance, viaONNX.summary) }

        // The card: provenance, teacher next to student, the proofs.
        let card = try String(contentsOfFile: "\(r.directory)/MODEL_CARD.md", encoding: .utf8)
        for needle in ["# Model card: student", "| sweep | fx |", "| teacher | run 1 `teacher`", "| mAP (%) |", "flip test-time augmentation",
                       "safetensors.torch import load_file", "onnxruntime as ort", "mAP check: stored", "PASS", "same fingerprint"] {
            XCTAssertTrue(card.contains(needle), "model card lacks '\(needle)'")
        }
        // Nothing else left next to the target.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: "\(fx.dir)/results/fx").sorted()
        XCTAssertEqual(siblings, ["export", "student"])

        // The export is recorded as artifacts of the run.
        let kinds = try fx.store.artifacts(run: fx.student.id).map(\.kind).sorted()
        XCTAssertEqual(kinds, ["export", "model", "model_card", "onnx"])
        XCTAssertEqual(try fx.store.artifacts(run: fx.student.id).first { $0.kind == "onnx" }?.sha256, r.files[2].sha256)

        // Exporting again replaces the folder atomically.
        let again = try Exporter.export(ExportOptions(storePath: fx.storePath, run: fx.student.id, out: r.directory), log: { _ in })
        XCTAssertEqual(again.files.map(\.sha256).first, r.files.map(\.sha256).first)
    }

    func testStandaloneRunDefaultsToExportRunFolder() throws {
        let fx = try ExportFixture()
        defer { fx.remove() }
        // A second, standalone run pointing at the same checkpoint.
        let lone = try Fixtures.addRun(fx.store, sweep: nil, name: "lone", role: .student,
                                       summary: try fx.store.summary(run: fx.student.id), artifact: fx.checkpoint)
        let r = try Exporter.export(ExportOptions(storePath: fx.storePath, run: lone.id), log: { _ in })
        XCTAssertEqual(r.directory, URL(fileURLWithPath: "\(fx.dir)/results/export-run\(lone.id)").standardizedFileURL.path)
        let card = try String(contentsOfFile: "\(r.directory)/MODEL_CARD.md", encoding: .utf8)
        XCTAssertTrue(card.contains("– (standalone run)"))
        XCTAssertTrue(card.contains("given explicitly (`--run \(lone.id)`)"))
    }
}
