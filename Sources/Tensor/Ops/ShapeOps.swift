// Shape ops: reshape (shares storage), permute/transpose, concat, slice (narrow), gather rows.
// Each backward is the inverse data movement: reshape back, inverse permutation, slices of the
// gradient, zero-padded scatter, scatter-add of rows.

extension Tensor {
    /// Same data, new shape (one dimension may be -1). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let s = checked { try Shapes.reshape(shape, to: newShape) }
        if s == shape { return self }
        let out = Tensor(shape: s, storage: storage)
        if Tensor.recording(self) {
            let old = shape
            out.record("reshape", [self]) { g in [g.reshaped(old)] }
        }
        return out
    }

    /// Collapses dimensions from `startAxis` on into one.
    public func flattened(from startAxis: Int = 1) -> Tensor {
        let a = checked { try Shapes.axis(startAxis, rank: rank, op: "flatten") }
        return reshaped(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
    }

    /// Reorders dimensions: output dimension i is input dimension `perm[i]`.
    public func permuted(_ perm: [Int]) -> Tensor {
        guard perm.sorted() == Array(0..<rank) else {
            shapeFailure(ShapeError("permute: \(perm) is not a permutation of the \(rank) axes of \(describe(shape))"))
        }
        if perm == Array(0..<rank) { return self }
        let outShape = perm.map { shape[$0] }
        let out = Tensor.empty(outShape)
        permuteKernel(pointer, shape: shape, perm: perm, out.pointer)
        if Tensor.recording(self) {
            var inverse = [Int](repeating: 0, count: perm.count)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            out.record("permute", [self]) { g in [g.permuted(inverse)] }
        }
        return out
    }

    /// Swaps two axes (default: the last two).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        let x = checked { try Shapes.axis(a, rank: rank, op: "transpose") }
        let y = checked { try Shapes.axis(b, rank: rank, op: "transpose") }
        var perm = Array(0..<rank)
        perm.swapAt(x, y)
        return permuted(perm)
    }

    /// Concatenates along `axis`; all other dimensions must match.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { shapeFailure(ShapeError("concat: no tensors")) }
        let ax = checked { try Shapes.axis(axis, rank: first.rank, op: "concat") }
        for t in tensors {
            var a = t.shape, b = first.shape
            if a.count == b.count { a[ax] = 0; b[ax] = 0 }
            if a != b {
                shapeFailure(ShapeError("concat: shapes \(tensors.map { describe($0.shape) }.joined(separator: ", ")) differ outside axis \(ax)"))
            }
        }
        var outShape = first.shape
        outShape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
        let out = Tensor.empty(outShape)
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let rowOut = outShape[ax] * inner
        var offset = 0
        for t in tensors {
            let block = t.shape[ax] * inner
            let src = t.pointer, dst = out.pointer + offset
            for o in 0..<outer { (dst + o * rowOut).update(from: src + o * block, count: block) }
            offset += block
        }
        if recording(tensors) {
            let sizes = tensors.map { $0.shape[ax] }
            out.record("concat", tensors) { g in
                var start = 0
                return sizes.map { n in
                    defer { start += n }
                    return g.narrow(axis: ax, start: start, length: n)
                }
            }
        }
        return out
    }

    /// Elements start..<start+length along `axis` (a copy).
    public func narrow(axis: Int, start: Int, length: Int) -> Tensor {
        let ax = checked { try Shapes.axis(axis, rank: rank, op: "slice") }
        guard start >= 0, length >= 0, start + length <= shape[ax] else {
            shapeFailure(ShapeError("slice: range \(start)..<\(start + length) out of bounds for axis \(ax) of \(describe(shape))"))
        }
        var outShape = shape
        outShape[ax] = length
        let out = Tensor.empty(outShape)
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        let rowIn = shape[ax] * inner, block = length * inner
        let src = pointer + start * inner, dst = out.pointer
        for o in 0..<outer { (dst + o * block).update(from: src + o * rowIn, count: block) }
        if Tensor.recording(self) {
            let full = shape
            out.record("slice", [self]) { g in
                let gi = Tensor.zeros(full)
                let d = gi.pointer + start * inner, s = g.pointer
                for o in 0..<outer { (d + o * rowIn).update(from: s + o * block, count: block) }
                return [gi]
            }
        }
        return out
    }

    /// Slice with a range along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        narrow(axis: axis, start: range.lowerBound, length: range.count)
    }

    /// Rows (entries along axis 0) picked by index, repeats allowed.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        guard rank >= 1 else { shapeFailure(ShapeError("gatherRows: needs rank ≥ 1, got a scalar")) }
        let n = shape[0], row = count / Swift.max(n, 1)
        for i in indices where i < 0 || i >= n {
            shapeFailure(ShapeError("gatherRows: index \(i) out of range for \(n) rows of \(describe(shape))"))
        }
        let out = Tensor.empty([indices.count] + shape.dropFirst())
        let src = pointer, dst = out.pointer
        for (k, i) in indices.enumerated() { (dst + k * row).update(from: src + i * row, count: row) }
        if Tensor.recording(self) {
            let full = shape
            out.record("gather_rows", [self]) { g in
                let gi = Tensor.zeros(full)
                let d = gi.pointer, s = g.pointer
                for (k, i) in indices.enumerated() {
                    let p = d + i * row, q = s + k * row
                    for j in 0..<row { p[j] += q[j] }
                }
                return [gi]
            }
        }
        return out
    }
}

/// out = x permuted: output dimension d is input dimension perm[d]. Odometer over the output,
/// parallel over its outer rows.
func permuteKernel(_ x: UnsafePointer<Float>, shape: [Int], perm: [Int], _ out: UnsafeMutablePointer<Float>) {
    let r = shape.count
    let inStrides = Shapes.strides(shape)
    let oshape = perm.map { shape[$0] }
    let ostr = perm.map { inStrides[$0] }   // input stride of each output dim
    let inner = oshape[r - 1], sInner = ostr[r - 1]
    let rows = Shapes.count(oshape) / Swift.max(inner, 1)
    Parallel.forRange(rows, grain: Swift.max(1, 32_768 / Swift.max(inner, 1))) { range in
        var idx = [Int](repeating: 0, count: r)
        var off = 0
        var rem = range.lowerBound
        for d in stride(from: r - 2, through: 0, by: -1) { idx[d] = rem % oshape[d]; rem /= oshape[d]; off += idx[d] * ostr[d] }
        for row in range {
            let o = out + row * inner, p = x + off
            if sInner == 1 { o.update(from: p, count: inner) } else { for j in 0..<inner { o[j] = p[j * sInner] } }
            var d = r - 2
            while d >= 0 {
                idx[d] += 1; off += ostr[d]
                if idx[d] < oshape[d] { break }
                off -= ostr[d] * oshape[d]; idx[d] = 0
                d -= 1
            }
        }
    }
}
