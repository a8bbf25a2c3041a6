// Class logits from a post-neck feature in any mode: a frozen teacher runs in eval mode, where
// the head returns no logits, yet logit distillation needs s·(raw logits or cosines).
import Tensor

extension EmbeddingHead {
    public func classLogits(_ postNeck: Tensor) -> Tensor { kind.raw(postNeck, weight) * scale }
}
