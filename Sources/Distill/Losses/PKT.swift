// Probabilistic knowledge transfer (Passalis & Tefas, ECCV 2018): turn each batch into
// conditional probability distributions over neighbours with a cosine kernel, K = (cos + 1)/2,
// rows normalised to sum to 1, and minimise KL(P_T ‖ P_S) averaged over rows.
// FastReID's old DistillReID project used it on embeddings. Widths may differ.
import Tensor

extension DistillLosses {
    static func cosineKernelRows(_ x: Tensor) -> Tensor {
        let n = x.l2Normalized(axis: 1)
        let k = (Tensor.matmul(n, n.transposed()) + 1) * 0.5
        return k / k.sum(axes: [1], keepDims: true)
    }

    public static func pkt(student: Tensor, teacher: Tensor, eps: Float = 1e-7) -> Tensor {
        checkRows(student, teacher, "PKT")
        let pt = withNoGrad { cosineKernelRows(teacher.detached()) }
        let ps = cosineKernelRows(student)
        let kl = pt * ((pt + eps).log() - (ps + eps).log())
        return kl.sum(axes: [1]).mean()
    }
}
