// Triplet loss with batch-hard mining (Hermans et al. 2017, FastReID's TripletLoss with
// HARD_MINING). Distances: Euclidean √(max(‖a − b‖², 1e-12)), or with `normFeat` 2 − 2·cos.
// For each anchor: d_ap = the largest distance to a sample of its identity (itself included, as
// in FastReID; its distance is ~1e-6), d_an = the smallest distance to another identity.
// margin > 0: mean [d_ap − d_an + margin]₊;  margin = 0: soft margin, mean log(1 + e^{d_ap − d_an}).
// Mining picks indices without gradient; the loss then differentiates through the chosen
// distances. Anchors with no negative in the batch are skipped (loss 0 if none remains).
import Tensor

public func tripletLoss(_ features: Tensor, targets: [Int], margin: Float = 0.3, normFeat: Bool = false) -> Tensor {
    precondition(features.rank == 2, "loss_tri: features must be (N, D), got \(features.shape)")
    let n = features.shape[0]
    precondition(targets.count == n, "loss_tri: \(targets.count) labels for \(n) rows")
    let dist: Tensor
    if normFeat {
        let f = features.l2Normalized(axis: 1)
        dist = 2 - 2 * Tensor.matmul(f, f.transposed())
    } else {
        dist = pairwiseSquaredEuclidean(features, features).clamp(min: 1e-12).sqrt()
    }
    var posIdx: [Int] = [], negIdx: [Int] = []
    let d = dist.pointer
    for i in 0..<n {
        var bp = -1, bn = -1
        for j in 0..<n {
            let v = d[i * n + j]
            if targets[j] == targets[i] { if bp < 0 || v > d[i * n + bp] { bp = j } }
            else if bn < 0 || v < d[i * n + bn] { bn = j }
        }
        if bn >= 0 { posIdx.append(i * n + bp); negIdx.append(i * n + bn) }
    }
    if posIdx.isEmpty { return (features * 0).sum() }   // keeps the graph; gradient zero
    let flat = dist.reshaped([n * n, 1])
    let gap = flat.gatherRows(posIdx) - flat.gatherRows(negIdx)   // d_ap − d_an
    return margin > 0 ? (gap + margin).relu().mean() : gap.softplus().mean()
}
