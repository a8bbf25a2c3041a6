// Cross-entropy with label smoothing (FastReID's convention): the target distribution puts 1 − ε
// on the label and ε/(K − 1) on every other class; loss = mean over the batch of
// −Σ_j q_j·log softmax(z)_j. ε = 0 is plain cross-entropy. (FastReID divides by the number of
// samples with non-zero loss; with ε > 0 that is every sample, so this is the plain mean.)
import Tensor

public func crossEntropyLoss(_ logits: Tensor, targets: [Int], epsilon: Float = 0.1) -> Tensor {
    precondition(logits.rank == 2, "loss_ce: logits must be (N, K), got \(logits.shape)")
    let (n, k) = (logits.shape[0], logits.shape[1])
    precondition(targets.count == n, "loss_ce: \(targets.count) labels for \(n) rows")
    precondition(k > 1 || epsilon == 0, "loss_ce: label smoothing needs at least 2 classes")
    let q = Tensor.full([n, k], k > 1 ? epsilon / Float(k - 1) : 0)
    for (i, y) in targets.enumerated() {
        precondition(y >= 0 && y < k, "loss_ce: label \(y) outside 0..<\(k)")
        q.pointer[i * k + y] = 1 - epsilon
    }
    return -(q * logits.logSoftmax(axis: 1)).sum() / Float(n)
}
