// crd: contrastive representation distillation (Tian et al., ICLR 2020), RepDistiller's
// formulation. Student and teacher embeddings go through learned linear heads to FEAT_DIM and are
// L2-normalised (v_s, v_t). Two memory banks hold one normalised vector per training sample, of
// the student (M_s) and of the teacher (M_t). For each sample i of the batch, its own index and K
// uniformly drawn others give scores exp(v·M[j] / τ) / Z (Z fixed at the first batch as the mean
// score × N); the NCE loss rewards the positive j = i against the K negatives (noise 1/N each),
// once for v_s against M_t and once for v_t against M_s. After each step the banks move to the
// batch's vectors with momentum and are renormalised. Teacher embeddings come from the cache.
import Foundation
import Tensor
import Config
import NN

public struct CRDKeys: ConfigKeyGroup {
    public init() {}
    public let weight = Key.float("KD.CRD_WEIGHT", 0.8, KeyRange.nonNegative, "crd: weight of the contrastive term (RepDistiller's β = 0.8)")
    public let negatives = Key.int("KD.CRD_NEGATIVES", 16384, KeyRange.positive, "crd: negatives K per sample (paper 16384; capped at the training set size − 1)")
    public let temperature = Key.float("KD.CRD_TEMPERATURE", 0.07, 1e-4...10, "crd: NCE temperature τ (paper 0.07)")
    public let featDim = Key.int("KD.CRD_FEAT_DIM", 128, KeyRange.positive, "crd: width of the embedding heads and memory banks (paper 128)")
    public let momentum = Key.float("KD.CRD_MOMENTUM", 0.5, 0.0...1, "crd: memory-bank momentum (paper 0.5)")
}

final class CRDTerm: DistillTerm {
    static let entry = DistillTermEntry(
        name: "crd", help: "contrastive representation distillation with memory banks", keys: [CRDKeys.self],
        needs: [.embedding, .sampleIndices],
        reportKeys: [CRDKeys.shared.weight.name, CRDKeys.shared.negatives.name, CRDKeys.shared.temperature.name]) { c, ctx, rng in
            CRDTerm(c, ctx, &rng)
        }

    let weight: Float, tau: Float, momentum: Float, negatives: Int, samples: Int, seed: UInt64
    let studentHead: Parameter, studentBias: Parameter, teacherHead: Parameter, teacherBias: Parameter
    /// M_s and M_t (N × FEAT_DIM) and the two normalisers [Z_s, Z_t] (0 until the first batch).
    let memoryStudent: Tensor, memoryTeacher: Tensor, z: Tensor
    /// Bank updates of the last step, applied once its backward has run (the graph reads the banks).
    private var pending: (indices: [Int], student: Tensor, teacher: Tensor)?

    init(_ c: ResolvedConfig, _ ctx: TermContext, _ rng: inout RandomGenerator) {
        weight = Float(c[\CRDKeys.weight]); tau = Float(c[\CRDKeys.temperature]); momentum = Float(c[\CRDKeys.momentum])
        samples = ctx.trainingSamples
        negatives = max(1, min(c[\CRDKeys.negatives], samples - 1))
        let f = c[\CRDKeys.featDim]
        func head(_ fanIn: Int) -> (Parameter, Parameter) {
            let bound = Float(1 / Double(fanIn).squareRoot())   // PyTorch Linear's default range
            return (Parameter(Tensor.uniform([f, fanIn], low: -bound, high: bound, rng: &rng)),
                    Parameter(Tensor.uniform([f], low: -bound, high: bound, rng: &rng)))
        }
        (studentHead, studentBias) = head(ctx.studentEmbed)
        (teacherHead, teacherBias) = head(ctx.teacherEmbed)
        let stdv = Float(1 / (Double(f) / 3).squareRoot())
        memoryStudent = Tensor.uniform([samples, f], low: -stdv, high: stdv, rng: &rng)
        memoryTeacher = Tensor.uniform([samples, f], low: -stdv, high: stdv, rng: &rng)
        z = Tensor.zeros([2])
        seed = rng.next()
    }

    var namedParameters: [(String, Parameter)] {
        [("distill.crd.embed_s.weight", studentHead), ("distill.crd.embed_s.bias", studentBias),
         ("distill.crd.embed_t.weight", teacherHead), ("distill.crd.embed_t.bias", teacherBias)]
    }

    var namedBuffers: [(String, Tensor)] {
        applyPending()
        return [("distill.crd.memory_s", memoryStudent), ("distill.crd.memory_t", memoryTeacher), ("distill.crd.z", z)]
    }

    func addLoss(to losses: inout LossDict, _ b: TermBatch) {
        applyPending()
        let idx = b.sampleIndices
        precondition(idx.count == b.targets.count && idx.allSatisfy { $0 >= 0 && $0 < samples },
                     "ReidKD distill error: crd needs the batch's training-sample indices")
        let vs = linear(b.student.head.preNeck, weight: studentHead, bias: studentBias).l2Normalized(axis: 1)
        let vt = linear(b.teacher.embedding.detached(), weight: teacherHead, bias: teacherBias).l2Normalized(axis: 1)
        // Contrast indices: the sample itself, then K others (deterministic per iteration, so a
        // resumed run draws the same).
        var rng = RandomGenerator(seed: seed, key: [UInt64(b.iteration)])
        let contrast = idx.map { i in [i] + (0..<negatives).map { _ in rng.int(below: samples) } }
        let ls = DistillLosses.crdNCE(v: vs, memory: memoryTeacher, contrast: contrast, tau: tau, z: z, slot: 0)
        let lt = DistillLosses.crdNCE(v: vt, memory: memoryStudent, contrast: contrast, tau: tau, z: z, slot: 1)
        losses.add("loss_crd", ls + lt, weight: weight)
        pending = (idx, vs.detached(), vt.detached())
    }

    /// Moves the banks' rows of the last batch toward its vectors: m ← normalise(μ·m + (1−μ)·v).
    func applyPending() {
        guard let p = pending else { return }
        pending = nil
        for (bank, v) in [(memoryStudent, p.student), (memoryTeacher, p.teacher)] {
            let f = bank.shape[1]
            for (r, i) in p.indices.enumerated() {
                let m = bank.pointer + i * f, x = v.pointer + r * f
                var norm: Float = 0
                for k in 0..<f { m[k] = momentum * m[k] + (1 - momentum) * x[k]; norm += m[k] * m[k] }
                let inv = 1 / max(norm.squareRoot(), 1e-12)
                for k in 0..<f { m[k] *= inv }
            }
        }
    }
}

extension DistillLosses {
    /// RepDistiller's NCE loss of `v` (B × F, normalised) against the bank rows `contrast[b]`
    /// (positive first, then K negatives): P = exp(v·m/τ)/Z with Z = mean(exp(·/τ))·N set on the
    /// first call (stored in z[slot]); −(Σ log P₊/(P₊ + K/N) + Σ log (K/N)/(P₋ + K/N)) / B.
    public static func crdNCE(v: Tensor, memory: Tensor, contrast: [[Int]], tau: Float, z: Tensor, slot: Int) -> Tensor {
        let (b, n) = (v.shape[0], memory.shape[0])
        let k = contrast[0].count - 1
        precondition(contrast.count == b && contrast.allSatisfy { $0.count == k + 1 }, "ReidKD distill error: crd: one contrast row per sample")
        // Scores against the whole bank (one GEMM), then the contrast columns of each row.
        let all = Tensor.matmul(v, memory.transposed()).reshaped([b * n, 1])
        let picked = all.gatherRows(contrast.enumerated().flatMap { r, cols in cols.map { r * n + $0 } }).reshaped([b, k + 1])
        let out = (picked * (1 / tau)).exp()
        if z.pointer[slot] == 0 {
            var sum = 0.0
            for i in 0..<out.count { sum += Double(out.pointer[i]) }
            z.pointer[slot] = Float(sum / Double(out.count) * Double(n))
        }
        let p = out * (1 / z.pointer[slot])
        let noise = Float(k) / Float(n), eps: Float = 1e-7
        let pos = p.narrow(axis: 1, start: 0, length: 1), neg = p.narrow(axis: 1, start: 1, length: k)
        let logD1 = pos.log() - (pos + (noise + eps)).log()
        let logD0 = Foundation.log(noise) - (neg + (noise + eps)).log()
        return (logD1.sum() + logD0.sum()) * (-1 / Float(b))
    }
}
