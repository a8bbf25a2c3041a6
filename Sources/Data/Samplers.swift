// Batch samplers. Each epoch's batches are a pure function of (seed, epoch), so a resumed run
// sees the same batches as an uninterrupted one.
import Tensor

public protocol BatchSampler: Sendable {
    /// Dataset indices of every batch in `epoch`.
    func batches(epoch: Int) -> [[Int]]
}

/// FastReID's NaiveIdentitySampler: P identities × K instances per batch. Within a pass, each
/// identity's images are shuffled and consumed K at a time without replacement (identities with
/// fewer than K images are resampled with replacement up to K); an identity leaves the pass when
/// fewer than K of its images remain; the pass ends when fewer than P identities remain.
/// An epoch is FastReID's `len(train_set) // batch_size` iterations, drawn from consecutive
/// passes. Unlike FastReID's infinite stream, each epoch restarts from a pass seeded by
/// (seed, epoch), so epochs are independent and reproducible on their own.
public struct PKSampler: BatchSampler {
    public let p: Int, k: Int, seed: UInt64
    /// Dataset indices per identity, identities in ascending pid order.
    let byPid: [[Int]]
    let count: Int

    public var batchSize: Int { p * k }
    /// Iterations per epoch (FastReID: len(train_set) // IMS_PER_BATCH).
    public var batchesPerEpoch: Int { count / batchSize }

    /// `pids[i]` is the identity of dataset item i.
    public init(pids: [Int], p: Int, k: Int, seed: UInt64) throws {
        guard p >= 1, k >= 1 else { throw DataError(.badConfig, path: "", "PK sampler: P and K must be ≥ 1, got P=\(p) K=\(k)") }
        var groups: [Int: [Int]] = [:]
        for (i, pid) in pids.enumerated() { groups[pid, default: []].append(i) }
        guard groups.count >= p else {
            throw DataError(.badConfig, path: "", "PK sampler: P=\(p) identities per batch but the training set has only \(groups.count); lower P (batch size = P×K)")
        }
        guard pids.count >= p * k else {
            throw DataError(.badConfig, path: "", "PK sampler: batch P×K=\(p * k) is larger than the training set (\(pids.count) images)")
        }
        self.p = p; self.k = k; self.seed = seed
        self.byPid = groups.keys.sorted().map { groups[$0]! }
        self.count = pids.count
    }

    public func batches(epoch: Int) -> [[Int]] {
        var out: [[Int]] = []
        var pass: UInt64 = 0
        while out.count < batchesPerEpoch {
            var rng = RandomGenerator(seed: seed, key: [7, UInt64(bitPattern: Int64(epoch)), pass])
            for b in onePass(&rng) where out.count < batchesPerEpoch { out.append(b) }
            pass += 1
        }
        return out
    }

    func onePass(_ rng: inout RandomGenerator) -> [[Int]] {
        var lists: [[Int]?] = Array(repeating: nil, count: byPid.count)
        var available = Array(0..<byPid.count)
        var out: [[Int]] = []
        while available.count >= p {
            // P identities without replacement (partial Fisher–Yates on a copy).
            var pool = available
            var selected: [Int] = []
            for i in 0..<p {
                let j = i + rng.int(below: pool.count - i)
                pool.swapAt(i, j)
                selected.append(pool[i])
            }
            var batch: [Int] = []
            for id in selected {
                if lists[id] == nil {
                    var idx = byPid[id]
                    if idx.count < k { idx = (0..<k).map { _ in byPid[id][rng.int(below: byPid[id].count)] } }
                    rng.shuffle(&idx)
                    lists[id] = idx
                }
                batch += lists[id]!.prefix(k)
                lists[id]!.removeFirst(k)
                if lists[id]!.count < k { available.removeAll { $0 == id } }
            }
            out.append(batch)
        }
        return out
    }
}

/// Uniformly shuffled batches (FastReID's TrainingSampler); drops the last partial batch.
public struct RandomSampler: BatchSampler {
    public let count: Int, batchSize: Int, seed: UInt64

    public init(count: Int, batchSize: Int, seed: UInt64) throws {
        guard batchSize >= 1, count >= batchSize else {
            throw DataError(.badConfig, path: "", "random sampler: batch size \(batchSize) must be between 1 and the dataset size \(count)")
        }
        self.count = count; self.batchSize = batchSize; self.seed = seed
    }

    public func batches(epoch: Int) -> [[Int]] {
        var rng = RandomGenerator(seed: seed, key: [8, UInt64(bitPattern: Int64(epoch))])
        let perm = rng.permutation(count)
        return (0..<(count / batchSize)).map { Array(perm[($0 * batchSize)..<(($0 + 1) * batchSize)]) }
    }
}

/// Every item once, in order; the last batch may be short (evaluation).
public struct SequentialSampler: BatchSampler {
    public let count: Int, batchSize: Int

    public init(count: Int, batchSize: Int) {
        precondition(batchSize >= 1, "SequentialSampler: batch size must be ≥ 1")
        self.count = count; self.batchSize = batchSize
    }

    public func batches(epoch: Int) -> [[Int]] {
        stride(from: 0, to: count, by: batchSize).map { Array($0..<min($0 + batchSize, count)) }
    }
}
