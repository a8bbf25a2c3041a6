// Stochastic gradient descent with momentum, Nesterov and L2 weight decay, as torch.optim.SGD
// (dampening 0):
//   d = g + λ·θ
//   b = d (first update) or μ·b + d
//   d = d + μ·b (Nesterov) or b
//   θ = θ − lr·d
import Tensor

public final class SGD: Optimizer {
    public let momentum: Float
    public let nesterov: Bool

    public init(_ parameters: [OptimizedParameter], learningRate: Float, momentum: Float = 0.9, nesterov: Bool = false) {
        precondition(!nesterov || momentum > 0, "SGD: Nesterov needs momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(parameters, learningRate: learningRate)
    }

    override public var kind: String { "SGD" }
    override var slots: [String] { momentum != 0 ? ["momentum_buffer"] : [] }
    override public var hyperParameters: [String: String] {
        ["momentum": "\(momentum)", "nesterov": "\(nesterov)"]
    }

    override func update(_ index: Int, _ p: OptimizedParameter, grad: Tensor, lr: Float) {
        let theta = p.parameter.pointer, g = grad.pointer
        let wd = p.weightDecay, mu = momentum, nest = nesterov
        guard mu != 0 else {
            elementwise(p.parameter.count) { r in
                for i in r { theta[i] -= lr * (g[i] + wd * theta[i]) }
            }
            return
        }
        var fresh = false
        let b = slot(index, "momentum_buffer", created: &fresh).pointer
        let first = fresh
        elementwise(p.parameter.count) { r in
            for i in r {
                let d = g[i] + wd * theta[i]
                let buf = first ? d : mu * b[i] + d
                b[i] = buf
                theta[i] -= lr * (nest ? d + mu * buf : buf)
            }
        }
    }
}
