// Self-distillation from a mean teacher (Tarvainen & Valpola 2017): with KD.TEACHER: ema the
// frozen teacher is an exponential moving average of the student itself, θ_T ← d·θ_T + (1 − d)·θ_S
// after every optimizer step, over the whole state dict (BN running statistics too, as timm's
// ModelEmaV2). It starts as a copy of the student, stays in eval mode and never takes a gradient.
// Its outputs change every step, so the teacher-output cache is off.
import Tensor
import Config
import NN

public final class EMATeacher {
    public let teacher: Teacher
    public let decay: Float
    private let pairs: [(teacher: Tensor, student: Tensor)]

    public init(student: ReidModel, config: ResolvedConfig, decay: Double) throws {
        let copy = try ReidModel(spec: student.spec, seed: 0)
        let src = student.stateDict(), dst = copy.stateDict()
        for ((_, d), (_, s)) in zip(dst, src) { d.assign(s) }
        teacher = Teacher(model: copy, config: config)
        self.decay = Float(decay)
        pairs = zip(copy.stateDict(), src).map { ($0.1, $1.1) }
    }

    /// One EMA step toward the student's current weights.
    public func update() {
        let d = decay, e = 1 - decay
        for (t, s) in pairs {
            let tp = t.pointer, sp = s.pointer
            for i in 0..<t.count { tp[i] = d * tp[i] + e * sp[i] }
        }
    }

    /// The teacher's weights under "distill.ema_teacher.*", for an exact resume.
    public var stateDict: [(String, Tensor)] {
        teacher.model.stateDict().map { ("distill.ema_teacher.\($0.0)", $0.1) }
    }
}
