// Reductions over axes: sum, mean, max (with keepDims). Sum uses the coalescing kernel in
// Kernels/Reduce.swift; max moves the reduced axes last and scans rows, remembering the argmax
// for backward (the first maximum wins ties).

extension Tensor {
    /// Sum over `axes` (all axes when empty). Negative axes count from the end.
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : checked { try Shapes.axes(axes, rank: rank, op: "sum") }
        let keptShape = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let outShape = keepDims ? keptShape : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        let out = Tensor.empty(outShape)
        reduceSumKernel(ReducePlan(shape: shape, axes: ax), pointer, out.pointer)
        if Tensor.recording(self) {
            let inShape = shape
            out.record("sum", [self]) { g in [g.reshaped(keptShape).expanded(to: inShape)] }
        }
        return out
    }

    /// Mean over `axes` (all axes when empty).
    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : checked { try Shapes.axes(axes, rank: rank, op: "mean") }
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Maximum over `axes` (all axes when empty); gradient flows to the first maximum.
    public func max(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : checked { try Shapes.axes(axes, rank: rank, op: "max") }
        let keep = (0..<rank).filter { !ax.contains($0) }
        let keptShape = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let outShape = keepDims ? keptShape : keep.map { shape[$0] }
        let perm = keep + ax
        let moved = withNoGrad { perm == Array(0..<rank) ? self : self.permuted(perm) }
        let rowLen = ax.reduce(1) { $0 * shape[$1] }
        if rowLen == 0 { shapeFailure(ShapeError("max: reducing an empty dimension of \(describe(shape))")) }
        let rows = count / rowLen
        let out = Tensor.empty(outShape)
        var argmax = [Int32](repeating: 0, count: rows)
        let src = moved.pointer, dst = out.pointer
        argmax.withUnsafeMutableBufferPointer { am in
            Parallel.forRange(rows, grain: Swift.max(1, 65_536 / rowLen)) { range in
                for r in range {
                    let p = src + r * rowLen
                    var best = p[0], bi = 0
                    for j in 1..<rowLen where p[j] > best || (best.isNaN == false && p[j].isNaN) { best = p[j]; bi = j }
                    dst[r] = best; am[r] = Int32(bi)
                }
            }
        }
        if Tensor.recording(self) {
            let movedShape = perm.map { shape[$0] }
            var inverse = [Int](repeating: 0, count: rank)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            out.record("max", [self]) { g in
                let gm = Tensor.zeros(movedShape)
                let gp = g.pointer, q = gm.pointer
                for r in 0..<rows { q[r * rowLen + Int(argmax[r])] = gp[r] }
                return [inverse == Array(0..<movedShape.count) ? gm.reshaped(self.shape) : gm.permuted(inverse)]
            }
        }
        return out
    }

    /// Copies this tensor broadcast to `target` (NumPy rules); gradient sums back.
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let full = checked { try Shapes.broadcast(shape, target, op: "expand") }
        if full != target { shapeFailure(ShapeError("expand: \(describe(shape)) cannot be broadcast to \(describe(target))")) }
        let out = Tensor.empty(target)
        var unused: Float = 0
        binaryKernel(BroadcastPlan(out: target, a: shape, b: []), pointer, &unused, out.pointer, Pointwise.First())
        if Tensor.recording(self) {
            let s = shape
            out.record("expand", [self]) { g in [g.sum(toShape: s)] }
        }
        return out
    }
}

extension Pointwise {
    /// The first operand (expand: the second is a dummy).
    struct First: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }
}
