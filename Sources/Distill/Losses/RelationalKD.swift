// Relational KD (Park et al., CVPR 2019): match the *structure* of the batch, not the features.
//   distance: pairwise euclidean distances, each divided by its mean over distinct pairs,
//             compared with the Huber loss (δ = 1);
//   angle:    for every triplet (i, j, k) the cosine of the angle at j between e_ij and e_kj,
//             compared with the Huber loss.
// Widths of student and teacher may differ. Cost is O(B²·D) memory for B×B×D differences.
import Tensor

extension DistillLosses {
    /// Huber (smooth-L1, δ = 1) of a − b, averaged: ½d² for |d| < 1, |d| − ½ beyond.
    static func huber(_ a: Tensor, _ b: Tensor) -> Tensor {
        let d = (a - b).abs()
        let q = d.clamp(max: 1)
        return (0.5 * q * q + (d - q)).mean()
    }

    /// B×B×D differences x_j − x_i (row i, column j).
    static func pairDifferences(_ x: Tensor) -> Tensor {
        let b = x.shape[0], d = x.shape[1]
        return x.reshaped([1, b, d]) - x.reshaped([b, 1, d])
    }

    /// Pairwise distances divided by their mean over i ≠ j. The diagonal is 0 with zero gradient
    /// (clamped before the square root).
    static func normalizedDistances(_ x: Tensor) -> Tensor {
        let b = x.shape[0]
        let diff = pairDifferences(x)
        let dist = (diff * diff).sum(axes: [2]).clamp(min: 1e-12).sqrt()
        let meanOffDiagonal = dist.sum() / Float(Swift.max(b * (b - 1), 1))
        return dist / meanOffDiagonal
    }

    public static func rkdDistance(student: Tensor, teacher: Tensor) -> Tensor {
        checkRows(student, teacher, "RKD distance")
        let t = withNoGrad { normalizedDistances(teacher.detached()) }
        return huber(normalizedDistances(student), t)
    }

    /// angle[j][i][k] = ⟨e_ji, e_jk⟩ with e_ji = (x_i − x_j)/‖x_i − x_j‖.
    static func angles(_ x: Tensor) -> Tensor {
        let e = pairDifferences(x).l2Normalized(axis: 2)        // [j][i] = x_i − x_j normalised
        return Tensor.matmul(e, e.transposed(1, 2))             // B × B × B
    }

    public static func rkdAngle(student: Tensor, teacher: Tensor) -> Tensor {
        checkRows(student, teacher, "RKD angle")
        let t = withNoGrad { angles(teacher.detached()) }
        return huber(angles(student), t)
    }
}
