// The proofs an export carries: the reloaded model.safetensors reproduces the run's stored
// mAP on its evaluation split, and model.onnx (run by onnxruntime, when importable) gives the
// native embeddings of a batch of real images.
import Foundation
import Tensor
import Config
import NN
import Eval
import Distill

public struct ExportProof: Sendable {
    /// The run's summary mAP (percent, as the store holds it); nil when it has none.
    public var storedMAP: Double?
    /// mAP of the reloaded export on the same split (percent).
    public var reproducedMAP: Double = .nan
    public var reproducedR1: Double = .nan
    public var evaluatedQueries = 0, evaluatedGallery = 0
    public var onnx = ONNXParity(skipped: "not run")
    /// Allowed |stored − reproduced| mAP as a fraction (1e-4 = 0.01 percentage points).
    public static let mapTolerance = 1e-4

    /// |stored − reproduced| as a fraction in 0–1.
    public var mapDifference: Double? { storedMAP.map { abs($0 - reproducedMAP) / 100 } }
    public var mapPassed: Bool { (mapDifference ?? .infinity) <= ExportProof.mapTolerance }
    /// The export is accepted when the mAP is reproduced and the ONNX check passed or was skipped.
    public var passed: Bool { mapPassed && (onnx.skipped != nil || onnx.passed) }

    public var mapSummary: String {
        guard let s = storedMAP else {
            return String(format: "mAP check: the run has no stored mAP; the reloaded export scores %.4f%% mAP", reproducedMAP)
        }
        return String(format: "mAP check: stored %.6f%%, reloaded export %.6f%% on %d queries / %d gallery images, |Δ| = %.2e (tolerance %.0e as a fraction) %@",
                      s, reproducedMAP, evaluatedQueries, evaluatedGallery, mapDifference!, ExportProof.mapTolerance, mapPassed ? "PASS" : "FAIL")
    }

    /// Re-evaluates `model` (already reloaded from the exported file) with `config`'s TEST settings.
    public static func reproduceMAP(model: ReidModel, data: TrainingData, config: ResolvedConfig, stored: Double?) throws -> ExportProof {
        var p = ExportProof(storedMAP: stored)
        let r = try ModelEvaluation.evaluate(model: model, data: data, config: config)
        p.reproducedMAP = r.mAP * 100
        p.reproducedR1 = r.rank1 * 100
        p.evaluatedQueries = data.testSets[0].dataset.query.count
        p.evaluatedGallery = data.testSets[0].dataset.gallery.count
        return p
    }

    /// The first `count` query images (test transform) and their native embeddings (no flip).
    public static func parityBatch(model: ReidModel, data: TrainingData, count: Int) throws -> (images: Tensor, embeddings: Tensor) {
        let n = min(count, data.testLoader.records.count)
        let images = try data.testLoader.batch(indices: Array(0..<n)).images
        model.eval()
        let emb = withNoGrad { model(images) }.copy()
        return (images, emb)
    }
}
