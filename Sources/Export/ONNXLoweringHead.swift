// Lowering of the embedding head in eval mode: pooling → (N, C) feature; with neck_feat
// "after", the 1×1 reduction (a matrix product on the pooled vector) and the BNNeck follow —
// BN folded into a Gemm when there is a reduction, else a per-feature Mul + Add. With
// neck_feat "before" the embedding is the pooled feature and the neck is not part of the graph.
// The classifier never is (eval returns no logits).
import Tensor
import NN

extension Lowering {
    mutating func head(_ h: EmbeddingHead, path: String, _ x: String, backboneOutput: [Int]) throws -> String {
        let pooled = try pooling(h.pool, path: "\(path).pool_layer", x, map: backboneOutput)
        guard h.neckAfter else { return pooled }
        return try neck(h.bottleneck, path: "\(path).bottleneck", pooled)
    }

    /// (N, C, h, w) → (N, D) for every pooling of the zoo (Sources/NN/Poolings).
    mutating func pooling(_ p: any Pooling, path: String, _ x: String, map: [Int]) throws -> String {
        func flatten(_ v: String) -> String { builder.node("Flatten", [v], path: path, [.int("axis", 1)]) }
        switch p {
        case is AvgPooling:
            return flatten(builder.node("GlobalAveragePool", [x], path: path))
        case is MaxPooling:
            return flatten(builder.node("GlobalMaxPool", [x], path: path))
        case is AvgMaxPooling:
            // FastReID's AdaptiveAvgMaxPool: the sum of both pools.
            let a = builder.node("GlobalAveragePool", [x], path: path), m = builder.node("GlobalMaxPool", [x], path: path)
            return flatten(builder.node("Add", [a, m], path: path))
        case let g as GeMPooling:
            // (mean max(x, ε)^p)^{1/p} with p clamped to ≥ 1 as in the forward pass; p is a constant here.
            let pc = max(g.p.scalars[0], 1)
            let c = clip(x, min: g.eps, max: nil, path: "\(path).clip")
            let powered = builder.node("Pow", [c, builder.constant("\(path).p", dims: [], [pc])], path: path)
            let mean = builder.node("GlobalAveragePool", [powered], path: path)
            let root = builder.node("Pow", [mean, builder.constant("\(path).inv_p", dims: [], [1 / pc])], path: path)
            return flatten(root)
        case let a as AttentionPooling:
            // softmax over positions of a 1×1-conv score, then the weighted sum of the feature vectors.
            let c = map[0]
            let score = conv(a.attention.weight, a.attention.bias, a.attention.options, path: "\(path).attention", x)
            let s = builder.node("Reshape", [score, builder.int64s("\(path).score_shape", [0, 1, -1])], path: path)
            let w = builder.node("Softmax", [s], path: path, [.int("axis", 2)])
            let feats = builder.node("Reshape", [x, builder.int64s("\(path).feature_shape", [0, c, -1])], path: path)
            let weighted = builder.node("Mul", [feats, w], path: path)
            return builder.node("ReduceSum", [weighted, builder.int64s("\(path).axes", [2])], path: path, [.int("keepdims", 0)])
        case is IdentityPooling:
            guard map.count == 3, map[1] * map[2] == 1 else {
                throw ExportError("ONNX export: pooling 'identity' at '\(path)' needs a 1×1 backbone output, got \(map.dropFirst().map(String.init).joined(separator: "×")) at this input size; use 'flatten' or 'avg'")
            }
            return flatten(x)
        case is FlattenPooling:
            return flatten(x)
        default:
            throw unsupported(p, path)
        }
    }

    /// bottleneck = [reduction Conv2d (1×1, no bias)] → [BatchNorm1d], on (N, C).
    mutating func neck(_ seq: Sequential, path: String, _ x: String) throws -> String {
        var h = x
        let kids = seq.children
        var i = 0
        while i < kids.count {
            let (name, m) = kids[i]
            switch m {
            case let c as Conv2d:
                var w = c.weight.reshaped([c.outChannels, c.inChannels])
                var b: Tensor? = c.bias
                if i + 1 < kids.count, let bn = kids[i + 1].1 as? BatchNorm {
                    let folded = BatchNormFolding.fold(weight: w, bias: b, batchNorm: bn)
                    (w, b) = (folded.weight, folded.bias)
                    i += 1
                }
                var inputs = [h, builder.constant("\(path).\(name).weight", w)]
                if let b { inputs.append(builder.constant("\(path).\(name).bias", b)) }
                h = builder.node("Gemm", inputs, path: "\(path).\(name)", [.int("transB", 1)])
            case let bn as BatchNorm:
                h = affine(bn, rank: 2, path: "\(path).\(name)", h)
            default:
                throw unsupported(m, "\(path).\(name)")
            }
            i += 1
        }
        return h
    }
}
