// Similarity-matrix matching (similarity-preserving KD, Tung & Mori, ICCV 2019): the batch Gram
// matrices G = F·Fᵀ, each row L2-normalised, should agree; loss = ‖G_S − G_T‖²_F / B².
// Works on embeddings (B, D) or on stage maps (B, C, H, W), which are flattened per sample.
import Tensor

extension DistillLosses {
    static func rowNormalizedGram(_ x: Tensor) -> Tensor {
        let f = x.rank == 2 ? x : x.flattened(from: 1)
        return Tensor.matmul(f, f.transposed()).l2Normalized(axis: 1)
    }

    public static func similarityMatching(student: Tensor, teacher: Tensor) -> Tensor {
        checkRows(student, teacher, "similarity matching")
        let b = Float(student.shape[0])
        let gt = withNoGrad { rowNormalizedGram(teacher.detached()) }
        let d = rowNormalizedGram(student) - gt
        return (d * d).sum() / (b * b)
    }
}
