// Verification ROC over every query–gallery pair left after the same-pid-same-camera removal
// (skipped queries included: their pairs are all impostor pairs). Genuine pairs (same pid) are the
// positive class and a pair is accepted when its distance is ≤ a threshold — FastReID labels the
// impostors as class 1 and so reports an impostor-rejection rate as "TPR" (its issue #168); we do not.
//
// TPR@FPR=f is the largest TPR over thresholds whose FPR ≤ f: with m = ⌊f·#impostors⌋, the
// threshold sits just below the (m+1)-th smallest impostor distance t, so TPR = #{genuine: d < t} ÷
// #genuine. Finding t among tens of millions of impostor pairs uses a radix select instead of a
// sort: one parallel pass builds a histogram of the top 16 bits of the order-preserving integer
// image of each distance, a second pass collects only the impostors in the buckets that hold the
// wanted ranks, which are then sorted.
import Tensor

public struct ROCPoint: Codable, Equatable, Sendable {
    public var fpr: Double
    public var tpr: Double
    /// Accept pairs with distance < threshold (nil when every pair is accepted).
    public var threshold: Float?
}

public enum ROC {
    public static let defaultFPRs: [Double] = [1e-4, 1e-3, 1e-2]

    /// An order-preserving map from Float to UInt32 (negative values included).
    @inline(__always) static func key(_ x: Float) -> UInt32 {
        let b = x.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    public static func tprAtFPR(distances: UnsafePointer<Float>, query: ReidIds, gallery: ReidIds,
                                fprs: [Double] = defaultFPRs) -> [ROCPoint] {
        let nq = query.count, ng = gallery.count
        let workers = Parallel.parts(nq, grain: 8)
        let bins = 1 << 16
        // Pass 1: genuine distances (few) and a histogram of impostor distances per worker.
        var hist = [[Int]](repeating: [], count: workers)
        var genuine = [[Float]](repeating: [], count: workers)
        let gp = gallery.pids, gc = gallery.camids, qp = query.pids, qc = query.camids
        hist.withUnsafeMutableBufferPointer { histOut in genuine.withUnsafeMutableBufferPointer { genuineOut in
        forEachWorker(nq, workers) { w, range in
            var h = [Int](repeating: 0, count: bins), pos: [Float] = []
            gp.withUnsafeBufferPointer { gpids in gc.withUnsafeBufferPointer { gcams in
                h.withUnsafeMutableBufferPointer { hb in
                    for i in range {
                        let row = distances + i * ng, pid = qp[i], cam = qc[i]
                        for j in 0..<ng {
                            if gpids[j] == pid {
                                if gcams[j] != cam { pos.append(row[j]) }
                            } else {
                                hb[Int(key(row[j]) >> 16)] += 1
                            }
                        }
                    }
                }
            }}
            histOut[w] = h; genuineOut[w] = pos
        }
        }}
        var total = [Int](repeating: 0, count: bins)
        for h in hist { for b in 0..<bins { total[b] += h[b] } }
        let impostors = total.reduce(0, +)
        let pos = genuine.flatMap { $0 }.sorted()
        // For each target: the 0-based rank m of the first impostor that must be rejected.
        var wanted: [(rank: Int, bin: Int, offset: Int)?] = []
        for f in fprs {
            let m = Int((f * Double(impostors)).rounded(.down))
            if m >= impostors { wanted.append(nil); continue }
            var acc = 0, b = 0
            while acc + total[b] <= m { acc += total[b]; b += 1 }
            wanted.append((m, b, m - acc))
        }
        // Pass 2: collect the impostors in the needed bins.
        let needBins = Set(wanted.compactMap { $0?.bin })
        var collected = [[Int: [Float]]](repeating: [:], count: workers)
        if !needBins.isEmpty {
            var isNeeded = [Bool](repeating: false, count: bins)
            for b in needBins { isNeeded[b] = true }
            collected.withUnsafeMutableBufferPointer { collectedOut in
            forEachWorker(nq, workers) { w, range in
                var mine: [Int: [Float]] = [:]
                gp.withUnsafeBufferPointer { gpids in
                    for i in range {
                        let row = distances + i * ng, pid = qp[i]
                        for j in 0..<ng where gpids[j] != pid {
                            let b = Int(key(row[j]) >> 16)
                            if isNeeded[b] { mine[b, default: []].append(row[j]) }
                        }
                    }
                }
                collectedOut[w] = mine
            }
            }
        }
        var binValues: [Int: [Float]] = [:]
        for b in needBins { binValues[b] = collected.flatMap { $0[b] ?? [] }.sorted() }
        return zip(fprs, wanted).map { f, want in
            guard let want else { return ROCPoint(fpr: f, tpr: pos.isEmpty ? 0 : 1, threshold: nil) }
            let t = binValues[want.bin]![want.offset]
            // Genuine pairs with distance < t (binary search in the sorted genuine distances).
            var lo = 0, hi = pos.count
            while lo < hi { let mid = (lo + hi) / 2; if pos[mid] < t { lo = mid + 1 } else { hi = mid } }
            return ROCPoint(fpr: f, tpr: pos.isEmpty ? 0 : Double(lo) / Double(pos.count), threshold: t)
        }
    }

    /// Runs body(worker, range) over `workers` contiguous query ranges in parallel; results are
    /// written by worker index so merging is deterministic.
    static func forEachWorker(_ n: Int, _ workers: Int, _ body: (Int, Range<Int>) -> Void) {
        Parallel.run(tasks: workers) { w in body(w, n * w / workers ..< n * (w + 1) / workers) }
    }
}
