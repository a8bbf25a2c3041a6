// Intermediate feature hint (FitNets, Romero et al. 2015): a 1×1 conv adapter maps a student
// stage (B, C_s, H_s, W_s) to the teacher stage's channels, and MSE pulls it to the teacher
// stage (B, C_t, H_t, W_t). Spatial sizes are matched by average pooling the larger map down
// by an integer factor (stages of one resolution family differ by powers of two).
import Tensor

extension DistillLosses {
    /// Average-pools `x` to `h × w` when its size is an integer multiple of it.
    static func poolTo(_ x: Tensor, h: Int, w: Int, _ what: String) -> Tensor {
        let (xh, xw) = (x.shape[2], x.shape[3])
        if xh == h && xw == w { return x }
        precondition(xh % h == 0 && xw % w == 0 && xh / h == xw / w,
                     "ReidKD distill error: feature hint (\(what)): cannot match spatial size \(xh)×\(xw) to \(h)×\(w); choose stages whose sizes differ by an integer factor")
        return avgPool2d(x, kernel: xh / h)
    }

    /// adapter: (C_t, C_s, 1, 1) conv weight; mean over all elements of (adapter(s) − t)².
    public static func featureHint(student: Tensor, teacher: Tensor, adapter: Tensor) -> Tensor {
        checkRows(student, teacher, "feature hint")
        precondition(student.rank == 4 && teacher.rank == 4,
                     "ReidKD distill error: feature hint needs stage maps (B, C, H, W): student \(student.shape), teacher \(teacher.shape)")
        let (h, w) = (Swift.min(student.shape[2], teacher.shape[2]), Swift.min(student.shape[3], teacher.shape[3]))
        let s = poolTo(conv2d(student, weight: adapter), h: h, w: w, "student")
        let t = poolTo(teacher.detached(), h: h, w: w, "teacher")
        precondition(s.shape == t.shape,
                     "ReidKD distill error: feature hint: adapted student \(s.shape) vs teacher \(t.shape); the adapter must map to the teacher's channels")
        let d = s - t
        return (d * d).mean()
    }
}
