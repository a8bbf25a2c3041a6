// MODEL_CARD.md of an export: what the model is, where it came from (sweep, run, teacher,
// dataset fingerprint), its metrics next to the teacher's, the preprocessing, how to load it
// from PyTorch and onnxruntime, and the results of the parity checks. Every number comes from
// the store or from the checks this export just ran.
import Foundation
import Tensor
import Config
import NN
import Store
import Distill

public struct ModelCard {
    public struct Teacher {
        public var run: Run
        public var summary: [String: Double]
        public var config: ResolvedConfig?
    }

    var selection: ExportSelection
    var summary: [String: Double]
    var config: ResolvedConfig
    var teacher: Teacher?
    var spec: ModelSpec
    var parameterCount: Int
    var preprocess: Preprocess
    var proof: ExportProof
    var recordedFingerprint: String?
    var currentFingerprint: String
    var datasetName: String
    var checkpoint: String

    static func architecture(_ r: ResolvedConfig) -> String {
        let name = r.peek(\ModelKeys.backboneName)
        var s = name.lowercased().contains("mobilenet") ? "MobileNetV2" : "ResNet-\(r.peek(\ModelKeys.depth))"
        s += " ×\(r.peek(\ModelKeys.width))"
        if r.peek(\ModelKeys.withIBN) { s += ", IBN-a" }
        if r.peek(\ModelKeys.withSE) { s += ", SE" }
        return s
    }

    /// " (kl: T = 4; hint: stage 2)" from the terms' registry entries, or "".
    static func termSettings(_ method: String, _ r: ResolvedConfig) -> String {
        let parts = ((try? KDConfig.terms(of: method)) ?? []).compactMap { name in
            DistillTerms.entry(named: name)?.describe(r).map { "\(name): \($0)" }
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
    }

    func f(_ v: Double?, _ digits: Int = 2) -> String {
        guard let v, !v.isNaN else { return "–" }
        return String(format: "%.\(digits)f", v)
    }

    public var markdown: String {
        let run = selection.run
        let r = config
        let kd = r.peek(\KDKeys.method)
        let distilled = kd.lowercased() != "none" && !kd.isEmpty
        var md = "# Model card: \(run.name)\n\n"
        md += "A re-identification **embedding model** exported by ReidKD \(ReidKDInfo.version): \(ModelCard.architecture(r)) backbone, "
        md += "`\(spec.pooling)` pooling, \(preprocess.embeddingDim)-d embedding (the head's eval-mode feature, neck_feat `\(spec.neckFeat)`), "
        md += "\(String(format: "%.3f", Double(parameterCount) / 1e6)) M parameters (classifier included; the ONNX graph drops it). "
        md += run.role == .teacher ? "It is a teacher run.\n\n"
            : distilled ? "It is a **student distilled** from the teacher below with KD.METHOD `\(kd)`"
                + ModelCard.termSettings(kd, r) + ".\n\n"
            : "It is a **baseline student**: the same student recipe trained without distillation (a baseline is as deployable as a distilled student).\n\n"
        md += "Compare embeddings with the **\(preprocess.distanceMetric)** distance"
        md += preprocess.l2Normalize ? " (L2-normalise them first).\n\n" : ".\n\n"

        md += "## Provenance\n\n| | |\n|---|---|\n"
        md += "| sweep | \(selection.sweep?.name ?? "– (standalone run)") |\n"
        md += "| run | \(run.id) `\(run.name)` (\(run.role.rawValue), seed \(run.seed)) |\n"
        if selection.candidates > 0 {
            md += "| chosen as | best of \(selection.candidates) finished student/baseline runs by `\(selection.metric)` (ties → fewer GFLOPs) |\n"
        } else {
            md += "| chosen as | given explicitly (`--run \(run.id)`) |\n"
        }
        md += "| config hash | `\(run.configHash)` |\n| code version | \(run.codeVersion ?? "–") |\n"
        md += "| source checkpoint | `\(checkpoint)` |\n"
        md += "| dataset | \(datasetName), fingerprint `\(recordedFingerprint ?? "not recorded")`"
        if let fp = recordedFingerprint {
            md += fp == currentFingerprint ? " (the data re-evaluated here has the same fingerprint)" : " — **the data found now differs** (`\(currentFingerprint)`)"
        }
        md += " |\n"
        if let t = teacher {
            md += "| teacher | run \(t.run.id) `\(t.run.name)`" + (t.config.map { ", \(ModelCard.architecture($0))" } ?? "") + " |\n"
        } else {
            md += "| teacher | – (no finished teacher run in this sweep) |\n"
        }

        md += "\n## Metrics\n\nFrom the experiment store; R1/R5/R10/mAP/mINP in percent on the dataset's query/gallery split"
        md += preprocess.flipTTA ? " with flip test-time augmentation.\n\n" : ".\n\n"
        let keys: [(String, String, Int)] = [("R1", "R1 (%)", 2), ("R5", "R5 (%)", 2), ("R10", "R10 (%)", 2), ("mAP", "mAP (%)", 2),
                                             ("mINP", "mINP (%)", 2), ("params_M", "parameters (M)", 3), ("gflops", "GFLOPs", 3),
                                             ("latency_ms_b1", "latency batch 1 (ms)", 2), ("images_per_second_b64", "images/s at batch 64", 1)]
        if let t = teacher {
            md += "| metric | this model | teacher | model / teacher |\n|---|---|---|---|\n"
            for (k, label, d) in keys where summary[k] != nil || t.summary[k] != nil {
                let ratio = (summary[k]).flatMap { s in t.summary[k].flatMap { $0 != 0 ? String(format: "%.1f%%", 100 * s / $0) : nil } } ?? "–"
                md += "| \(label) | \(f(summary[k], d)) | \(f(t.summary[k], d)) | \(ratio) |\n"
            }
        } else {
            md += "| metric | this model |\n|---|---|\n"
            for (k, label, d) in keys where summary[k] != nil { md += "| \(label) | \(f(summary[k], d)) |\n" }
        }
        md += "\nLatency and throughput were measured by the training process on its machine (threads: \(f(summary["threads"], 0))); treat them as relative figures.\n"

        md += "\n## Preprocessing (`preprocess.json`)\n\n"
        md += "1. Decode to **RGB** (8-bit).\n"
        md += "2. Resize to **\(preprocess.inputSize[0]) × \(preprocess.inputSize[1])** (height × width): \(preprocess.resize).\n"
        md += "3. `x = (pixel / 255 − mean) / std` per channel, mean = [\(preprocess.mean.map { String(format: "%.4f", $0) }.joined(separator: ", "))], std = [\(preprocess.std.map { String(format: "%.4f", $0) }.joined(separator: ", "))] (0–1 units).\n"
        md += "4. Layout NCHW float32, input name `images`, any batch size.\n"
        md += "5. The output `embedding` is (N, \(preprocess.embeddingDim)). Evaluation " + (preprocess.flipTTA ? "**averaged it with the embedding of the horizontally mirrored image** (flip TTA; not inside model.onnx)" : "used no flip averaging")
        md += ", then compared with the \(preprocess.distanceMetric) distance" + (preprocess.rerank ? " and k-reciprocal re-ranking" : "") + ".\n"

        md += "\n## Files\n\n| file | content |\n|---|---|\n"
        md += "| `model.safetensors` | the student's state dict (parameters and BN running statistics under PyTorch/FastReID keys, e.g. `backbone.layer1.0.bn1.running_mean`), metadata `config` (resolved YAML), `architecture` (model spec JSON), provenance. No teacher or distillation-projector weights. |\n"
        md += "| `model.onnx` | eval-mode graph, IR \(ONNXModel.irVersion) / opset \(ONNXModel.opset), BatchNorm folded into the convolutions, input `images` [N, 3, \(preprocess.inputSize[0]), \(preprocess.inputSize[1])] → output `embedding` [N, \(preprocess.embeddingDim)] |\n"
        md += "| `preprocess.json` | the preprocessing above, machine-readable |\n"

        md += "\n## Loading\n\nPyTorch (weights only; the module layout follows FastReID's `Baseline`, keys `backbone.*`, `heads.*`):\n\n"
        md += "```python\nfrom safetensors.torch import load_file\nfrom safetensors import safe_open\nstate = load_file(\"model.safetensors\")          # dict: key -> torch.Tensor\n"
        md += "with safe_open(\"model.safetensors\", \"pt\") as f:\n    config_yaml = f.metadata()[\"config\"]            # the resolved training config\n"
        md += "# model.load_state_dict(state) on a matching FastReID-style model\n```\n\n"
        md += "onnxruntime:\n\n```python\nimport json, numpy as np, onnxruntime as ort\nfrom PIL import Image\n"
        md += "pp = json.load(open(\"preprocess.json\"))\nh, w = pp[\"input_size\"]\n"
        md += "img = np.asarray(Image.open(\"person.jpg\").convert(\"RGB\").resize((w, h), Image.BILINEAR), dtype=np.float32) / 255\n"
        md += "x = ((img - pp[\"mean\"]) / pp[\"std\"]).transpose(2, 0, 1)[None].astype(np.float32)\n"
        md += "sess = ort.InferenceSession(\"model.onnx\", providers=[\"CPUExecutionProvider\"])\n"
        md += "emb = sess.run([\"embedding\"], {\"images\": x})[0]\n"
        md += "if pp[\"l2_normalize\"]:\n    emb /= np.linalg.norm(emb, axis=1, keepdims=True)\n```\n\n"
        md += "(PIL's BILINEAR resize antialiases when shrinking, ReidKD's does not; for bit-level agreement use `reidkd embed`.)\n"
        md += "ReidKD itself: `reidkd embed <this folder> IMAGES… --out features.npy` computes exactly what model.onnx outputs.\n"

        md += "\n## Parity checks (run by this export)\n\n"
        md += "- **safetensors**: \(proof.mapSummary).\n"
        md += "- **ONNX**: \(proof.onnx.summary).\n"
        return md
    }
}
