// Evaluation at Market-1501 scale (3,368 queries × 15,913 gallery) on synthetic embeddings with
// Market's id structure (750 identities over 6 cameras, 2,793 distractors with pid 0), next to
// references run in this process: one sgemm call for q·gᵀ on OpenBLAS's own 2 threads (the GEMM
// bound of the distance matrix), and single-threaded full-sort / dense transcriptions of the
// Python reference code for the ranking metrics, ROC and re-ranking (Eval.ReferenceEvaluation).
import Foundation
import Eval
import Tensor

enum EvalBench {
    static let numQuery = 3368, numGallery = 15913, distractors = 2793, identities = 750, cameras = 6

    /// Ids and embeddings: each identity has a random centre, items are a·centre + N(0, 1) noise
    /// (distractors are pure noise). The centre scale a = 2 / D^¼ keeps the gap between genuine
    /// and impostor distances at a few standard deviations at any D, so rankings look like a trained
    /// model's (mAP well away from 0 and 1) and the ranking code does realistic work.
    static func market(dim: Int, numQuery: Int = numQuery, numGallery: Int = numGallery, seed: UInt64 = 7)
        -> (Tensor, Tensor, ReidIds, ReidIds) {
        var rng = RandomGenerator(seed: seed)
        let centres = Tensor.randn([identities + 1, dim], std: 2 / Float(pow(Double(dim), 0.25)), rng: &rng)
        func ids(_ n: Int, distractors: Int) -> ReidIds {
            ReidIds(pids: (0..<n).map { $0 < distractors ? 0 : 1 + rng.int(below: identities) },
                    camids: (0..<n).map { _ in rng.int(below: cameras) })
        }
        let qi = ids(numQuery, distractors: 0), gi = ids(numGallery, distractors: distractors)
        func features(_ ids: ReidIds) -> Tensor {
            let x = Tensor.randn([ids.count, dim], rng: &rng)
            for (i, pid) in ids.pids.enumerated() where pid > 0 {
                let row = x.pointer + i * dim, c = centres.pointer + pid * dim
                for j in 0..<dim { row[j] += c[j] }
            }
            return x
        }
        return (features(qi), features(gi), qi, gi)
    }

    static func run(markdown: Bool) {
        var table = Table(["stage", "size", "ReidKD s", "reference s", "reference", "speed-up / ratio", "target"])
        for dim in [2048, 512] {
            let (q, g, qi, gi) = market(dim: dim)
            // Distance matrix vs the GEMM bound.
            let out = Tensor.empty([numQuery, numGallery])
            let bound = Timing.withLibraryThreads(2) {
                Timing.median(reps: 3, warmup: 1) {
                    BLAS.sgemmSerial(false, true, numQuery, numGallery, dim, 1, q.pointer, dim, g.pointer, dim, 0, out.pointer, numGallery)
                }
            }
            var dist = Tensor.empty([1])
            let tEuc = Timing.median(reps: 3, warmup: 1) { dist = Distance.compute(q, g, metric: .euclidean) }
            let tCos = Timing.median(reps: 3, warmup: 1) { dist = Distance.compute(q, g, metric: .cosine) }
            let size = "\(numQuery)×\(numGallery)×\(dim)"
            table.add(["distance, squared euclidean", size, fmt(tEuc, 3), fmt(bound, 3), "sgemm q·gᵀ (GEMM bound)", fmt(tEuc / bound, 2) + "×", "≤ 1.2×"])
            table.add(["distance, cosine", size, fmt(tCos, 3), fmt(bound, 3), "sgemm q·gᵀ (GEMM bound)", fmt(tCos / bound, 2) + "×", "≤ 1.2×"])
            // Ranking metrics on the cosine distances.
            var fast: RankMetrics?
            let tRank = Timing.median(reps: 3, warmup: 1) {
                fast = try! RankEvaluation.evaluate(distances: dist.pointer, query: qi, gallery: gi)
            }
            var ref: RankMetrics?
            let tRef = Timing.median(reps: 1, warmup: 0) {
                ref = try! ReferenceEvaluation.rankMetrics(distances: dist.pointer, query: qi, gallery: gi)
            }
            let same = abs(fast!.mAP - ref!.mAP) < 1e-9 && fast!.cmc == ref!.cmc
            table.add(["CMC+mAP+mINP (mAP \(fmt(100 * fast!.mAP, 1))%, \(same ? "= ref" : "≠ REF"))", "\(numQuery)×\(numGallery)",
                       fmt(tRank, 3), fmt(tRef, 3), "1-thread full sort", fmt(tRef / tRank, 1) + "×", "≤ 0.55 s"])
            if dim == 2048 {
                var roc: [ROCPoint] = []
                let tROC = Timing.median(reps: 3, warmup: 1) {
                    roc = ROC.tprAtFPR(distances: dist.pointer, query: qi, gallery: gi)
                }
                var refROC: [Double] = []
                let tROCRef = Timing.median(reps: 1, warmup: 0) {
                    refROC = ReferenceEvaluation.tprAtFPR(distances: dist.pointer, query: qi, gallery: gi, fprs: ROC.defaultFPRs)
                }
                table.add(["ROC TPR@FPR 1e-4/1e-3/1e-2 (\(roc.map(\.tpr) == refROC ? "= ref" : "≠ REF"))", "\(numQuery)×\(numGallery) pairs",
                           fmt(tROC, 3), fmt(tROCRef, 3), "1-thread full sort", fmt(tROCRef / tROC, 1) + "×", "—"])
            }
        }
        print(table.render(markdown: markdown))
    }

    /// Re-ranking 1,000 × 5,000 from distance matrices (cosine, 2,048-d) vs the dense transcription.
    static func runReRanking(markdown: Bool) {
        var table = Table(["stage", "size", "ReidKD s", "reference s", "reference", "speed-up / ratio", "target"])
        let (q, g, _, _) = market(dim: 2048, numQuery: 1000, numGallery: 5000, seed: 8)
        var qg = Tensor.empty([1]), qq = qg, gg = qg
        let tD = Timing.median(reps: 1, warmup: 0) {
            qg = Distance.compute(q, g, metric: .cosine); qq = Distance.compute(q, q, metric: .cosine)
            gg = Distance.compute(g, g, metric: .cosine)
        }
        var rr = Tensor.empty([1])
        let tRR = Timing.median(reps: 3, warmup: 1) { rr = ReRanking.kReciprocal(qg: qg, qq: qq, gg: gg) }
        var refRR: [[Float]] = []
        let tRRRef = Timing.median(reps: 1, warmup: 0) { refRR = ReferenceEvaluation.reRanking(qg: qg, qq: qq, gg: gg) }
        var worst: Float = 0
        for i in 0..<1000 { for j in 0..<5000 { worst = max(worst, abs(rr.pointer[i * 5000 + j] - refRR[i][j])) } }
        table.add(["k-reciprocal re-ranking (max |Δ| vs ref \(String(format: "%.0e", worst)))", "1000×5000", fmt(tRR, 3), fmt(tRRRef, 3),
                   "1-thread dense transcription", fmt(tRRRef / tRR, 1) + "×", "≤ 0.6 s"])
        table.add(["  its 3 distance matrices (cosine, 2048-d)", "1000×5000", fmt(tD, 3), "—", "—", "—", "—"])
        print(table.render(markdown: markdown))
    }

    /// Re-ranking at Market-1501 scale from features (all three distance matrices included), with
    /// the peak resident memory of that step (VmHWM after resetting it through /proc/self/clear_refs).
    static func runMarketReRanking(markdown: Bool, dim: Int = 512) {
        let (q, g, qi, gi) = market(dim: dim)
        BufferCache.shared.releaseAll()
        let before = residentMiB()
        resetPeak()
        let t0 = Timing.now()
        let d = ReRanking.kReciprocal(query: q, gallery: g, metric: .cosine)
        let t = Timing.now() - t0
        let peak = peakMiB()
        let m = try! RankEvaluation.evaluate(distances: d.pointer, query: qi, gallery: gi)
        var table = Table(["stage", "size", "ReidKD s", "peak RSS MiB (before MiB)", "mAP after re-ranking", "target"])
        table.add(["re-ranking from features, cosine", "\(numQuery)×\(numGallery)×\(dim)", fmt(t, 1),
                   "\(peak.map { String($0) } ?? "n/a") (\(before.map { String($0) } ?? "n/a"))", fmt(100 * m.mAP, 1) + "%", "≤ 8 GiB"])
        print(table.render(markdown: markdown))
    }

    static func status(_ key: String) -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.split(separator: " ").compactMap { Int($0) }.first ?? 0) / 1024
        }
        return nil
    }
    static func residentMiB() -> Int? { status("VmRSS:") }
    static func peakMiB() -> Int? { status("VmHWM:") }
    static func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }
}
