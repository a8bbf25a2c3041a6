// Cosine embedding loss: 1 − cos(s, t) per sample, averaged; insensitive to feature scale,
// which is what a cosine-distance retrieval metric cares about.
import Tensor

extension DistillLosses {
    public static func cosineEmbedding(student: Tensor, teacher: Tensor, projector: Tensor? = nil) -> Tensor {
        checkRows(student, teacher, "cosine embedding")
        let s = projector.map { linear(student, weight: $0) } ?? student
        precondition(s.shape == teacher.shape,
                     "ReidKD distill error: cosine embedding: student \(s.shape) vs teacher \(teacher.shape); set a projector when widths differ")
        let cos = (s.l2Normalized(axis: 1) * teacher.detached().l2Normalized(axis: 1)).sum(axes: [1])
        return 1 - cos.mean()
    }
}
