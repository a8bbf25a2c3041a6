// L2 normalisation and pairwise distance matrices, composed from primitive ops (their gradients
// come for free). For large evaluation matrices without gradients, see the Eval module's blocked
// kernels; these are for losses over a batch.

extension Tensor {
    /// x / max(‖x‖₂, eps) along `axis` (PyTorch F.normalize).
    /// The clamp comes before the square root — max(‖x‖, eps) = √max(‖x‖², eps²) — so a zero
    /// vector gets a zero gradient instead of 0·(1/√0) = NaN (RKD normalises the zero
    /// differences x_i − x_i of the diagonal).
    public func l2Normalized(axis: Int = -1, eps: Float = 1e-12) -> Tensor {
        let norm = (self * self).sum(axes: [axis], keepDims: true).clamp(min: eps * eps).sqrt()
        return self / norm
    }
}

/// Squared Euclidean distances between rows: a (M, D), b (N, D) → (M, N) with
/// ‖a_i‖² + ‖b_j‖² − 2·a_i·b_j, clamped at 0 against rounding.
public func pairwiseSquaredEuclidean(_ a: Tensor, _ b: Tensor) -> Tensor {
    guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
        shapeFailure(ShapeError("pairwiseSquaredEuclidean: expected (M, D) and (N, D), got \(describe(a.shape)) and \(describe(b.shape))"))
    }
    let aa = (a * a).sum(axes: [1], keepDims: true)              // (M, 1)
    let bb = (b * b).sum(axes: [1]).reshaped([1, b.shape[0]])     // (1, N)
    let ab = Tensor.matmul(a, b.transposed())                      // (M, N)
    return (aa + bb - ab * 2).clamp(min: 0)
}

/// Cosine distances 1 − cos(a_i, b_j): a (M, D), b (N, D) → (M, N).
public func pairwiseCosineDistance(_ a: Tensor, _ b: Tensor) -> Tensor {
    guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
        shapeFailure(ShapeError("pairwiseCosineDistance: expected (M, D) and (N, D), got \(describe(a.shape)) and \(describe(b.shape))"))
    }
    return 1 - Tensor.matmul(a.l2Normalized(), b.l2Normalized().transposed())
}
