// BatchNorm over channel axis 1 for (N, C) [BatchNorm1d] and (N, C, H, W) [BatchNorm2d] inputs:
// weight 1, bias 0, running_mean 0, running_var 1, momentum 0.1, eps 1e-5 (PyTorch). The bias can
// be frozen at zero (BNNeck: FastReID's `bias_freeze`), which keeps the BN from shifting the
// embedding and leaves it out of optimisation.
// PyTorch also saves `num_batches_tracked`; it only matters for momentum=None, so it is not kept.
import Tensor

public final class BatchNorm: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Tensor
    public let runningVar: Tensor
    public let momentum: Float, eps: Float

    public init(_ features: Int, biasFrozen: Bool = false, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = Parameter(Tensor.ones([features]))
        bias = Parameter(Tensor.zeros([features]), frozen: biasFrozen)
        runningMean = Tensor.zeros([features])
        runningVar = Tensor.ones([features])
        self.momentum = momentum; self.eps = eps
        super.init()
        register("weight", weight)
        register("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
    }

    /// γ ← 0: the layer outputs its bias until trained (zero-init of a residual branch's last BN).
    public func zeroScale() { weight.pointer.update(repeating: 0, count: weight.count) }

    public func forward(_ x: Tensor) -> Tensor {
        MACCounter.noteCall(self, kind: "batchnorm", input: x)
        return batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                  training: isTraining, momentum: momentum, eps: eps)
    }

    /// relu(bn(x)) in one fused op (same values and gradients as `forward(x).relu()`); with a
    /// finite `max`, min(relu(bn(x)), max) as `forward(x).relu6()` for max 6.
    public func forwardReLU(_ x: Tensor, max: Float = .infinity) -> Tensor {
        MACCounter.noteCall(self, kind: "batchnorm", input: x)
        return batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                         training: isTraining, momentum: momentum, eps: eps, relu: true, reluMax: max)
    }
}

/// Instance norm with an affine per channel (`IN.weight`, `IN.bias`, as PyTorch's
/// `InstanceNorm2d(affine=True)`); no running statistics, same in train and eval.
public final class InstanceNorm2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter

    public init(_ features: Int) {
        weight = Parameter(Tensor.ones([features]))
        bias = Parameter(Tensor.zeros([features]))
        super.init()
        register("weight", weight)
        register("bias", bias)
    }

    public func forward(_ x: Tensor) -> Tensor { instanceNorm2d(x, weight: weight, bias: bias) }
}

/// IBN-a normalisation (Pan et al. 2018, as in FastReID's `IBN`): instance norm on the first
/// ⌊C·ratio⌋ channels (style invariance), batch norm on the rest (content). Keys `IN.*`, `BN.*`.
public final class IBN: Module, Layer {
    public let half: Int
    public let instance: InstanceNorm2d
    public let batch: BatchNorm

    public init(_ planes: Int, ratio: Double = 0.5) {
        half = Int(Double(planes) * ratio)
        instance = InstanceNorm2d(half)
        batch = BatchNorm(planes - half)
        super.init()
        register("IN", instance)
        register("BN", batch)
    }

    public func forward(_ x: Tensor) -> Tensor {
        let c = x.shape[1]
        let a = instance(x.narrow(axis: 1, start: 0, length: half))
        let b = batch(x.narrow(axis: 1, start: half, length: c - half))
        return Tensor.concat([a, b], axis: 1)
    }
}
