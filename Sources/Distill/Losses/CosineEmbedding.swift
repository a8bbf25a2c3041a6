// Cosine embedding loss: 1 − cos(s, t) per sample, averaged; insensitive to feature scale,
// which is what a cosine-distance retrieval metric cares about.
import Tensor

extension DistillLosses {
    public static func cosineEmbedding(student: Tensor, teacher: Tensor, projector: Tensor? = nil) -> Tensor {
        let s = projected(student, projector, toMatch: teacher, "cosine embedding")
        let cos = (s.l2Normalized(axis: 1) * teacher.detached().l2Normalized(axis: 1)).sum(axes: [1])
        return 1 - cos.mean()
    }
}
