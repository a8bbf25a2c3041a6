// Triplet loss (FastReID's TripletLoss). Distances: Euclidean √(max(‖a − b‖², 1e-12)), or with
// `normFeat` 2 − 2·cos. Per anchor, d_ap and d_an come from one of two minings:
// - hard (Hermans et al. 2017, HARD_MINING: true): d_ap = the largest distance to a sample of
//   its identity (itself included, as in FastReID; its distance is ~1e-6), d_an = the smallest
//   distance to another identity. Mining picks indices without gradient; the loss then
//   differentiates through the chosen distances. Anchors with no negative are skipped.
// - weighted (FastReID's weighted_example_mining, HARD_MINING: false): d_ap = Σ_j w_j·d_ij over
//   positives with w = softmax(d) restricted to them, d_an likewise over negatives with
//   w = softmax(−d) — a soft version of hard mining; the weights carry gradient, as in FastReID.
// margin > 0: mean [d_ap − d_an + margin]₊;  margin = 0: soft margin, mean log(1 + e^{d_ap − d_an}).
import Tensor

public func tripletLoss(_ features: Tensor, targets: [Int], margin: Float = 0.3, normFeat: Bool = false,
                        hardMining: Bool = true) -> Tensor {
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
    if !hardMining { return weightedTriplet(dist, targets: targets, margin: margin) }
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

/// FastReID's weighted_example_mining and the same margin / soft-margin ranking loss.
func weightedTriplet(_ dist: Tensor, targets: [Int], margin: Float) -> Tensor {
    let n = targets.count
    let isPos = Tensor.zeros([n, n]), isNeg = Tensor.zeros([n, n])
    for i in 0..<n { for j in 0..<n { (targets[i] == targets[j] ? isPos : isNeg).pointer[i * n + j] = 1 } }
    /// softmax over the masked entries of each row (FastReID's softmax_weights: max shift,
    /// + 1e-6 in the normaliser); the row max is a constant shift, as the softmax ignores it.
    func softmaxWeights(_ x: Tensor, _ mask: Tensor) -> Tensor {
        let shift = withNoGrad { (x * mask).max(axes: [1], keepDims: true) }
        let e = (x - shift).exp() * mask
        return e / (e.sum(axes: [1], keepDims: true) + 1e-6)
    }
    let distAP = dist * isPos, distAN = dist * isNeg
    let dAP = (distAP * softmaxWeights(distAP, isPos)).sum(axes: [1])
    let dAN = (distAN * softmaxWeights(0 - distAN, isNeg)).sum(axes: [1])
    let gap = dAP - dAN
    return margin > 0 ? (gap + margin).relu().mean() : gap.softplus().mean()
}
