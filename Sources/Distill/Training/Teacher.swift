// The frozen teacher: built from its config, weights loaded from a checkpoint, switched to eval
// mode (BN running statistics — FastReID's Distiller leaves teachers in train mode, a bug we do
// not repeat) and always run inside the no-grad scope, so nothing is recorded and its
// parameters can never be updated.
import Foundation
import Tensor
import NN

public struct TeacherOutput {
    /// s·(raw logits or cosines), (B, classes).
    public var logits: Tensor
    /// Pooled pre-neck embedding, (B, D).
    public var embedding: Tensor
    /// Backbone stage maps (only when asked for).
    public var stages: [Tensor]
}

public final class Teacher {
    public let model: ReidModel
    public let config: ReidConfig
    /// Canonical config hash + weights digest: identifies the teacher in caches and the store.
    public let identity: String

    public init(config: ReidConfig, weights: String, numClasses: Int) throws {
        self.config = config
        let spec = try ModelSpec(config: config, numClasses: numClasses)
        model = try ReidModel(spec: spec, seed: UInt64(config.seed))
        let meta = try Checkpoint.load(into: model.stateDict(), from: weights)
        _ = model.eval()
        for p in model.parameters() { p.isFrozen = true; p.requiresGrad = false }
        // BN is not folded into the convs: with BN+ReLU fused into one pass, a folded forward
        // measured 0.95–1.01× the speed (docs/PERFORMANCE.md), so the teacher keeps its BNs.
        identity = String((meta[Checkpoint.configHashKey] ?? config.resolved.sha256).prefix(16))
    }

    /// Wraps an in-memory model (tests, or a teacher trained in the same process).
    public init(model: ReidModel, config: ReidConfig) {
        self.model = model; self.config = config
        _ = model.eval()
        for p in model.parameters() { p.isFrozen = true; p.requiresGrad = false }
        identity = String(config.resolved.sha256.prefix(16))
    }

    public func forward(_ images: Tensor, stages: Bool) -> TeacherOutput {
        precondition(!model.isTraining, "teacher must stay in eval mode")
        return withNoGrad {
            let out = model.forward(images, targets: nil)
            return TeacherOutput(logits: model.heads.classLogits(out.head.postNeck), embedding: out.head.preNeck,
                                 stages: stages ? out.stages : [])
        }
    }
}
