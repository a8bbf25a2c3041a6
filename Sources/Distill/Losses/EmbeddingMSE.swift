// Embedding regression: mean squared error between the student's embedding and the teacher's.
// When the widths differ the student goes through a learnable linear projector first (owned by
// the distillation objective, trained with the student, never exported with it).
import Tensor

extension DistillLosses {
    /// mean over batch and dims of (s·Pᵀ − t)², P: (D_t, D_s) or nil when D_s = D_t.
    public static func embeddingMSE(student: Tensor, teacher: Tensor, projector: Tensor? = nil) -> Tensor {
        let s = projected(student, projector, toMatch: teacher, "embedding MSE")
        let d = s - teacher.detached()
        return (d * d).mean()
    }
}
