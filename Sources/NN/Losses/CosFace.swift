// Pairwise CosFace (Wang et al. 2018 in its pairwise form; FastReID's pairwise_cosface,
// LOSSES.NAME: Cosface) on cosine similarities within the batch. With s_p similarities to
// same-identity samples (self excluded) and s_n to other identities:
//   loss = mean_i softplus( LSE_p(−γ·s_p) + LSE_n(γ·(s_n + m)) ).
// Masked-out pairs get a −1e9 logit, so a row with no positive (or no negative) contributes
// softplus(−huge) = 0. Defaults m = 0.25, γ = 128 (FastReID's).
import Tensor

public func pairwiseCosFaceLoss(_ features: Tensor, targets: [Int], margin m: Float = 0.25, gamma: Float = 128) -> Tensor {
    precondition(features.rank == 2, "loss_cosface: features must be (N, D), got \(features.shape)")
    let n = features.shape[0]
    precondition(targets.count == n, "loss_cosface: \(targets.count) labels for \(n) rows")
    let f = features.l2Normalized(axis: 1)
    let sim = Tensor.matmul(f, f.transposed())
    let maskP = Tensor.full([n, n], -1e9), maskN = Tensor.full([n, n], -1e9)
    for i in 0..<n {
        for j in 0..<n where i != j {
            (targets[i] == targets[j] ? maskP : maskN).pointer[i * n + j] = 0
        }
    }
    let logitP = -gamma * sim + maskP
    let logitN = gamma * (sim + m) + maskN
    return (logSumExp(logitP) + logSumExp(logitN)).softplus().mean()
}
