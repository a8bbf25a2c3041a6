// Batched feature extraction. The model is any closure from an image batch (N, C, H, W) to
// embeddings (N, D), so this module does not depend on model types; the caller puts its model in
// eval mode (BatchNorm running statistics, no dropout) before calling `extract`. Every batch runs
// inside `withNoGrad`, so no graph is recorded and intermediates are freed as they go.
//
// Flip test-time augmentation averages the embedding of the batch and of its horizontal mirror.
// The mirror is a new tensor made from the caller's untouched batch: FastReID normalised its input
// batch in place and then flipped the already-normalised tensor, normalising it twice — here the
// closure always receives raw images, and the original batch is never written to.
import Tensor

public struct FeatureExtractor {
    public var embed: (Tensor) -> Tensor
    /// Average with the horizontally flipped batch (flip TTA).
    public var flip: Bool
    /// L2-normalise each embedding after averaging.
    public var normalize: Bool

    public init(flip: Bool = false, normalize: Bool = false, embed: @escaping (Tensor) -> Tensor) {
        self.embed = embed; self.flip = flip; self.normalize = normalize
    }

    /// Embeds every batch of `batches` (each (n, C, H, W)) and stacks the results: (N, D).
    public func extract<S: Sequence>(_ batches: S) throws -> Tensor where S.Element == Tensor {
        var chunks: [Tensor] = []
        var dim: Int?
        var rows = 0
        for (b, batch) in batches.enumerated() {
            let f = try withNoGrad { try embedBatch(batch, index: b) }
            if let dim, f.shape[1] != dim {
                throw EvalError("feature extraction: batch \(b) gave \(f.shape[1])-d embeddings, earlier batches \(dim)-d")
            }
            dim = f.shape[1]
            rows += f.shape[0]
            chunks.append(f)
        }
        let d = dim ?? 0
        let out = Tensor.empty([rows, d])
        var offset = 0
        for c in chunks { (out.pointer + offset).update(from: c.pointer, count: c.count); offset += c.count }
        return out
    }

    func embedBatch(_ batch: Tensor, index: Int) throws -> Tensor {
        guard batch.rank == 4 else {
            throw EvalError("feature extraction: batch \(index) has shape \(batch.shape); expected (N, C, H, W)")
        }
        var f = try checked(embed(batch), batch, index)
        if flip {
            let g = try checked(embed(FeatureExtractor.horizontalFlip(batch)), batch, index)
            guard g.shape == f.shape else {
                throw EvalError("feature extraction: batch \(index): mirrored images gave \(g.shape), originals \(f.shape)")
            }
            let r = Tensor.empty(f.shape)
            for i in 0..<f.count { r.pointer[i] = (f.pointer[i] + g.pointer[i]) * 0.5 }
            f = r
        } else {
            f = f.detached()
        }
        return normalize ? Distance.l2Normalized(f) : f.copy()
    }

    func checked(_ f: Tensor, _ batch: Tensor, _ index: Int) throws -> Tensor {
        guard f.rank == 2, f.shape[0] == batch.shape[0] else {
            throw EvalError("feature extraction: batch \(index) of \(batch.shape[0]) images gave embeddings of shape \(f.shape); expected (\(batch.shape[0]), D)")
        }
        return f
    }

    /// Mirror image along the width axis of an (N, C, H, W) tensor (a new tensor).
    public static func horizontalFlip(_ x: Tensor) -> Tensor {
        let w = x.shape[x.rank - 1], lines = x.count / max(w, 1)
        let y = Tensor.empty(x.shape)
        let src = x.pointer, dst = y.pointer
        Parallel.forRange(lines, grain: 1024) { r in
            for l in r {
                let s = src + l * w, d = dst + l * w
                for j in 0..<w { d[j] = s[w - 1 - j] }
            }
        }
        return y
    }
}
