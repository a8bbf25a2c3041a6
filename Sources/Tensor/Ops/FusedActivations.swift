// relu(a + b) as one op: the closing step of every residual block. One pass writes
// max(a + b, 0); backward hands both inputs the gradient gated by y > 0 — what `(a + b).relu()`
// returns, without the intermediate sum tensor and its extra sweep forward and backward.
extension Tensor {
    /// relu(a + b) for two tensors of the same shape.
    public static func addReLU(_ a: Tensor, _ b: Tensor) -> Tensor {
        if a.shape != b.shape { shapeFailure(ShapeError("addReLU: shapes differ: \(describe(a.shape)) vs \(describe(b.shape))")) }
        let out = Tensor.empty(a.shape)
        zipKernel(a.pointer, b.pointer, out.pointer, out.count, Pointwise.AddReLU())
        if recording(a, b) {
            let y = out.detached()
            out.record("add_relu", [a, b]) { g in
                let gated = g.zipMap(y, Pointwise.ReLUGradient())
                // The same gradient tensor goes to both inputs; autograd never writes into a
                // gradient it was handed, it sums into new tensors.
                return [a.requiresGrad ? gated : nil, b.requiresGrad ? gated : nil]
            }
        }
        return out
    }
}

extension Pointwise {
    struct AddReLU: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { let v = a + b; return v > 0 ? v : 0 }
    }
}
