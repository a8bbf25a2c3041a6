// Pairwise circle loss (Sun et al. 2020; FastReID's pairwise_circleloss) on cosine similarities
// within the batch. With s_p similarities to same-identity samples (self excluded) and s_n to
// other identities, α_p = [1 + m − s_p]₊, α_n = [s_n + m]₊ (constants), Δ_p = 1 − m, Δ_n = m:
//   loss = mean_i softplus( LSE_p(−γ·α_p·(s_p − Δ_p)) + LSE_n(γ·α_n·(s_n − Δ_n)) ).
// Masked-out pairs get a −1e9 logit, so a row with no positive (or no negative) contributes
// softplus(−huge) = 0. Defaults m = 0.25, γ = 128.
import Tensor

public func pairwiseCircleLoss(_ features: Tensor, targets: [Int], margin m: Float = 0.25, gamma: Float = 128) -> Tensor {
    precondition(features.rank == 2, "loss_circle: features must be (N, D), got \(features.shape)")
    let n = features.shape[0]
    precondition(targets.count == n, "loss_circle: \(targets.count) labels for \(n) rows")
    let f = features.l2Normalized(axis: 1)
    let sim = Tensor.matmul(f, f.transposed())
    // Per pair: coefficient c and offset o so that logit = c·(sim − o) + mask, with c = −γα_p
    // for positives and γα_n for negatives.
    let coefP = Tensor.zeros([n, n]), coefN = Tensor.zeros([n, n])
    let maskP = Tensor.full([n, n], -1e9), maskN = Tensor.full([n, n], -1e9)
    let s = sim.pointer
    for i in 0..<n {
        for j in 0..<n where i != j || targets[i] != targets[j] {
            let k = i * n + j
            if targets[i] == targets[j] {
                coefP.pointer[k] = -gamma * Swift.max(1 + m - s[k], 0); maskP.pointer[k] = 0
            } else {
                coefN.pointer[k] = gamma * Swift.max(s[k] + m, 0); maskN.pointer[k] = 0
            }
        }
    }
    let logitP = coefP * (sim - (1 - m)) + maskP
    let logitN = coefN * (sim - m) + maskN
    return (logSumExp(logitP) + logSumExp(logitN)).softplus().mean()
}

/// log Σ_j exp(x_ij) per row of (N, M), stabilised by the (constant) row maximum.
func logSumExp(_ x: Tensor) -> Tensor {
    let rowMax = withNoGrad { x.max(axes: [1], keepDims: true) }
    return (x - rowMax).exp().sum(axes: [1]).log() + rowMax.reshaped([x.shape[0]])
}
