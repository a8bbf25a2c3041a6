// Forward cost counting. Layers that do multiply-adds (Conv2d, Linear and the head's reduction)
// report `outputs × multiply-adds per output` to the counter bound for the current forward pass,
// so a model's MAC count comes from the layers it actually ran, for whatever input size — there
// is no separate table to keep in sync. Convention (as in published ResNet figures): only
// convolutions and fully connected layers count; BN, activations, pooling and additions do not.
import Tensor

/// Accumulates multiply-adds by layer kind during one counted forward pass.
public final class MACCounter: @unchecked Sendable {
    public private(set) var total = 0
    public private(set) var byKind: [String: Int] = [:]
    public init() {}

    public func add(_ macs: Int, kind: String) {
        total += macs
        byKind[kind, default: 0] += macs
    }

    @TaskLocal static var current: MACCounter?

    /// Called by layers; a no-op unless a count is running on this task.
    @inline(__always)
    static func record(_ macs: @autoclosure () -> Int, kind: String) {
        if let c = current { c.add(macs(), kind: kind) }
    }
}

extension Layer {
    /// Forward multiply-adds for one input of shape `inputShape` (with or without the batch
    /// dimension; the count is per image), measured by running the layers in eval mode without
    /// gradients on a zero input. The module's mode is restored afterwards.
    public func forwardMACs(inputShape: [Int]) -> MACCounter {
        let shape = inputShape.count == 3 ? [1] + inputShape : [1] + inputShape.dropFirst()
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        let counter = MACCounter()
        MACCounter.$current.withValue(counter) {
            _ = withNoGrad { forward(Tensor.zeros(shape)) }
        }
        return counter
    }
}
