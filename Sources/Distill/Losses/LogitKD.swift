// Logit matching (Hinton et al. 2015): KL(p_T ‖ p_S) on temperature-softened class
// distributions, scaled by T² so gradient magnitudes stay comparable across temperatures.
// `symmetricKL` is the form FastReID's Distiller uses (it calls it "JS div"; it is the
// Jeffreys divergence ½[KL(T‖S) + KL(S‖T)]), default T = 16.
import Tensor

extension DistillLosses {
    /// T² · mean over the batch of Σ_k p_T,k (log p_T,k − log p_S,k).
    public static func klDivergence(student: Tensor, teacher: Tensor, temperature T: Float) -> Tensor {
        checkRows(student, teacher, "logit KD")
        precondition(student.shape == teacher.shape,
                     "ReidKD distill error: logit KD needs the same classes: student \(student.shape), teacher \(teacher.shape)")
        let logPS = (student / T).logSoftmax(axis: 1)
        let logPT = (teacher.detached() / T).logSoftmax(axis: 1)
        let kl = (logPT.exp() * (logPT - logPS)).sum(axes: [1])
        return kl.mean() * (T * T)
    }

    /// T² · ½ mean over the batch of [KL(p_T ‖ p_S) + KL(p_S ‖ p_T)].
    public static func symmetricKL(student: Tensor, teacher: Tensor, temperature T: Float) -> Tensor {
        checkRows(student, teacher, "symmetric KD")
        let logPS = (student / T).logSoftmax(axis: 1)
        let logPT = (teacher.detached() / T).logSoftmax(axis: 1)
        let d = logPT - logPS
        // KL(T‖S) + KL(S‖T) = Σ (p_T − p_S)(log p_T − log p_S)
        let j = ((logPT.exp() - logPS.exp()) * d).sum(axes: [1])
        return j.mean() * (0.5 * T * T)
    }
}
