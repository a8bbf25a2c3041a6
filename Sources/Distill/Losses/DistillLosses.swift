// The distillation losses as plain tensor functions, one file each (extensions of
// `DistillLosses`). Conventions for every function here:
//   - student tensors carry gradients; teacher tensors are treated as constants (they come from
//     the frozen teacher inside the no-grad scope, or from the teacher-output cache);
//   - rows are samples: logits (B, C), embeddings (B, D), stage maps (B, C, H, W);
//   - the result is a scalar, averaged over the batch as stated per loss.
// Weights are applied in one place (the distillation objective), not here.
import Tensor

public enum DistillLosses {
    /// Shapes must agree row-wise; the message names both tensors.
    static func checkRows(_ s: Tensor, _ t: Tensor, _ what: String) {
        precondition(s.rank >= 2 && t.rank >= 2 && s.shape[0] == t.shape[0],
                     "ReidKD distill error: \(what): student \(s.shape) and teacher \(t.shape) must have the same batch size")
    }

    /// The student's embedding, through the projector (D_t × D_s) when given; its shape must
    /// then equal the teacher's.
    static func projected(_ student: Tensor, _ projector: Tensor?, toMatch teacher: Tensor, _ what: String) -> Tensor {
        checkRows(student, teacher, what)
        let s = projector.map { linear(student, weight: $0) } ?? student
        precondition(s.shape == teacher.shape,
                     "ReidKD distill error: \(what): student \(s.shape) vs teacher \(teacher.shape); set a projector when widths differ")
        return s
    }
}
