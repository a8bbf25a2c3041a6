// `reidkd-bench peers`: ReidKD's side of `make bench-peers` (Scripts/bench_peers.py). A server on
// stdin/stdout, so the script can interleave ReidKD and PyTorch measurements in one run (A/B/A/B
// rounds) with the models built once. One request per line, one JSON object per answer line:
//   hello                                          → threads, CPU, BLAS kernel, its sgemm 1024³ GFLOP/s
//   <figure> <net> <H>x<W> <batch> <reps>          → {"times": [s, …]} (after one warm-up run)
//   export <net> <H>x<W> <path>                    → writes ReidKD's model.onnx for that net
//   delta-ckpt <checkpoint> <batch>                → max |Δ| of a trained model's embedding, bf16 vs float32
//   quit
// figures (distill-online, teacher, infer also as <figure>-bf16: the frozen forward's GEMMs in bf16;
// delta-bf16: max |Δ| of the eval embedding, bf16 against float32):
// train (forward, CE ε 0.1, backward, SGD momentum step), distill-online (the frozen
// teacher's eval forward + student step with CE + KL T=4 on logits), distill-warm (the teacher's
// outputs read from a warm TeacherCache instead), teacher (the teacher's forward alone: a cache
// fill's cost per batch), infer (eval forward, no grad, embedding).
// nets: r18 (the reference student: ResNet-18 layout ×0.5, last stride 1, BNNeck), r50 (ResNet-50
// ×0.5, bottleneck: the teacher), mbv2 (MobileNetV2 ×0.5). All 751 classes, random weights (only
// speed is measured). distill-* use r50 as the teacher of the named student.
import Foundation
import Tensor
import NN
import Export
import Distill

enum PeersBench {
    static func spec(_ net: String, _ size: [Int]) throws -> ModelSpec {
        var s = ModelSpec.referenceStudent
        s.inputSize = size
        switch net {
        case "r18": break
        case "r50": s.depth = 50
        case "mbv2": s.backbone = "mobilenetv2"
        default: throw NNError("peers: unknown net '\(net)'; use r18, r50 or mbv2")
        }
        return s
    }

    /// A built model and what its steps need, kept across requests.
    final class Setup {
        let model: ReidModel, x: Tensor, y: [Int], opt: SGD
        var teacher: Teacher?, cache: TeacherCache?
        init(net: String, size: [Int], batch: Int) throws {
            model = try ReidModel(spec: try PeersBench.spec(net, size), seed: 1)
            var rng = RandomGenerator(seed: 2)
            x = Tensor.randn([batch, 3] + size, rng: &rng)
            y = (0..<batch).map { _ in rng.int(below: 751) }
            opt = SGD(model.namedParameters().filter { !$0.1.isFrozen }.map { OptimizedParameter(name: $0.0, parameter: $0.1) },
                      learningRate: 0.01, momentum: 0.9)
        }

        func trainStep(teacherLogits: () -> Tensor?) {
            model.train()
            opt.zeroGrad()
            let t = teacherLogits()
            let out = model.forward(x, targets: y)
            var loss = crossEntropyLoss(out.logits!, targets: y, epsilon: 0.1)
            if let t { loss = loss + DistillLosses.klDivergence(student: out.logits!, teacher: t, temperature: 4) }
            loss.backward()
            opt.step()
        }
    }

    nonisolated(unsafe) static var setups: [String: Setup] = [:]

    static func run() {
        while let line = readLine() {
            let f = line.split(separator: " ").map(String.init)
            guard let cmd = f.first else { continue }
            if cmd == "quit" { break }
            do { answer(try handle(cmd, Array(f.dropFirst()))) } catch { answer(["error": "\(error)"]) }
        }
    }

    static func answer(_ obj: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        fflush(stdout)
    }

    static func parseSize(_ s: String) throws -> [Int] {
        let p = s.split(separator: "x").compactMap { Int($0) }
        guard p.count == 2 else { throw NNError("peers: size '\(s)' is not HxW") }
        return p
    }

    static func handle(_ cmd: String, _ a: [String]) throws -> [String: Any] {
        if cmd == "hello" {
            return ["threads": Parallel.threads, "bf16": BF16GEMM.status, "cpu": "\(CPUFeatures.host)", "blas": "\(BLASKernel.status)",
                    "sgemm_gflops": GemmBench.referenceGFLOPs()]
        }
        if cmd == "export" {
            guard a.count >= 3 else { throw NNError("peers: export <net> <H>x<W> <path>") }
            let size = try parseSize(a[1])
            let model = try ReidModel(spec: try spec(a[0], size), seed: 1)
            model.eval()
            let bytes = try ONNXExport.lower(model, inputSize: size).encoded()
            try Data(bytes).write(to: URL(fileURLWithPath: a[2]))
            return ["bytes": bytes.count, "params": model.parameterCount]
        }
        if cmd == "delta-ckpt" {   // delta-ckpt <checkpoint> <batch>: max |Δ| bf16 vs float32 on a trained model
            guard a.count == 2, let batch = Int(a[1]) else { throw NNError("peers: delta-ckpt <checkpoint> <batch>") }
            let (model, _, _) = try ModelLoader.load(a[0])
            model.eval()
            var rng = RandomGenerator(seed: 4)
            let x = Tensor.randn([batch, 3] + model.spec.inputSize, rng: &rng)
            return delta(model, x)
        }
        guard a.count == 4, let batch = Int(a[2]), let reps = Int(a[3]) else {
            throw NNError("peers: '\(cmd) \(a.joined(separator: " "))' is not '<figure> <net> <H>x<W> <batch> <reps>'")
        }
        let net = a[0], size = try parseSize(a[1])
        // "<figure>-bf16": the same figure with every GEMM in bf16 (BLAS.withBF16).
        let bf16 = cmd.hasSuffix("-bf16")
        let figure = bf16 ? String(cmd.dropLast(5)) : cmd
        let key = "\(net) \(a[1]) \(batch)"
        let s: Setup
        if let e = setups[key] { s = e } else { s = try Setup(net: net, size: size, batch: batch); setups[key] = s }
        let inner: () -> Void
        switch figure {
        case "train": inner = { s.trainStep(teacherLogits: { nil }) }
        case "distill-online":
            let t = try teacher(for: s, size: size)
            // bf16 only in the teacher's forward (Teacher.bf16); the student trains in float32.
            inner = { t.bf16 = bf16; s.trainStep(teacherLogits: { t.forward(s.x, stages: false).logits }); t.bf16 = false }
        case "teacher":   // the frozen teacher's forward alone: what a cache fill costs per batch
            let t = try teacher(for: s, size: size)
            inner = { _ = t.forward(s.x, stages: false) }
        case "distill-warm":
            let cache = try warmCache(for: s, size: size)
            let samples = Array(0..<batch)
            inner = { s.trainStep(teacherLogits: { try! cache.lookup(epoch: 0, samples: samples, samplesInEpoch: batch)!.logits }) }
        case "infer":
            s.model.eval()
            inner = { _ = withNoGrad { s.model(s.x) } }
        case "delta":   // max |Δ| of the eval embedding, bf16 against float32, and the largest |value|
            guard bf16 else { throw NNError("peers: delta is asked for as delta-bf16") }
            s.model.eval()
            return delta(s.model, s.x)
        default: throw NNError("peers: unknown figure '\(cmd)'; use train, distill-online, distill-warm, teacher, infer (each also as <figure>-bf16), delta-bf16, export")
        }
        if bf16 && !BF16GEMM.isAvailable { throw NNError("peers: no bf16 GEMM here (\(BF16GEMM.status))") }
        if bf16 && !["distill-online", "teacher", "infer"].contains(figure) {
            throw NNError("peers: \(figure) has no bf16 variant (training stays float32)")
        }
        let body = figure == "distill-online" ? inner : { BLAS.withBF16(bf16) { inner() } }
        body()   // warm-up
        var times: [Double] = []
        for _ in 0..<max(1, reps) { let t0 = Timing.now(); body(); times.append(Timing.now() - t0) }
        Timing.waitForIdleThreads()
        return ["times": times, "params": s.model.parameterCount]
    }

    /// max |Δ| of the eval embedding, bf16 GEMMs against float32, and the largest |value|.
    static func delta(_ model: ReidModel, _ x: Tensor) -> [String: Any] {
        let ref = withNoGrad { model(x) }.copy()
        let low = BLAS.withBF16 { withNoGrad { model(x) } }.copy()
        var d: Float = 0, m: Float = 0
        for i in 0..<ref.count { d = max(d, abs(ref.pointer[i] - low.pointer[i])); m = max(m, abs(ref.pointer[i])) }
        return ["max_abs_delta": Double(d), "max_abs_value": Double(m), "bf16": BF16GEMM.status]
    }

    static func teacher(for s: Setup, size: [Int]) throws -> Teacher {
        if let t = s.teacher { return t }
        let t = Teacher(model: try ReidModel(spec: try spec("r50", size), seed: 5), config: try RunConfig.schema.load(overrides: []))
        s.teacher = t
        return t
    }

    /// A cache holding the teacher's outputs for the bench batch (samples 0..<batch of epoch 0),
    /// in a temporary folder removed at exit.
    static func warmCache(for s: Setup, size: [Int]) throws -> TeacherCache {
        if let c = s.cache { return c }
        let t = try teacher(for: s, size: size)
        let root = NSTemporaryDirectory() + "reidkd-peers-cache-\(getpid())"
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "reidkd-peers-cache-\(getpid())") }
        let out = t.forward(s.x, stages: false)
        let c = TeacherCache(root: root, key: TeacherCacheKey(teacherWeights: "peers", datasetFingerprint: "peers", pipeline: "{}"),
                             logitDim: out.logits.shape[1], embedDim: out.embedding.shape[1])
        try c.store(epoch: 0, samples: Array(0..<s.x.shape[0]), samplesInEpoch: s.x.shape[0], logits: out.logits, embeddings: out.embedding)
        s.cache = c
        return c
    }
}
