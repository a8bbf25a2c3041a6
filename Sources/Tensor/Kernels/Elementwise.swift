// Elementwise kernels on raw row-major buffers: unary maps and binary maps with NumPy
// broadcasting. Broadcasting is planned once per call: dimensions of size 1 are dropped and
// adjacent dimensions that are contiguous in both inputs are merged, so common cases become one
// flat loop (same shape, scalar operand) or a loop of rows (per-channel operand).

/// Iteration plan for a broadcast binary op. `sa`/`sb` are element strides of each input along
/// the coalesced output dimensions (0 where the input is broadcast).
struct BroadcastPlan {
    var dims: [Int] = []
    var sa: [Int] = []
    var sb: [Int] = []
    let count: Int

    init(out: [Int], a: [Int], b: [Int]) {
        count = Shapes.count(out)
        let r = out.count
        func alignedStrides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: r - s.count) + s
            let st = Shapes.strides(padded)
            return (0..<r).map { padded[$0] == 1 ? 0 : st[$0] }
        }
        let fa = alignedStrides(a), fb = alignedStrides(b)
        // Walk from the innermost dimension, merging where both inputs stay contiguous.
        var d: [Int] = [], xa: [Int] = [], xb: [Int] = []
        for i in stride(from: r - 1, through: 0, by: -1) where out[i] != 1 {
            if let last = d.last, fa[i] == xa.last! * last, fb[i] == xb.last! * last {
                d[d.count - 1] = last * out[i]
            } else {
                d.append(out[i]); xa.append(fa[i]); xb.append(fb[i])
            }
        }
        if d.isEmpty { d = [1]; xa = [0]; xb = [0] }
        dims = d.reversed(); sa = xa.reversed(); sb = xb.reversed()
    }
}

/// out[i] = f(a[ia(i)], b[ib(i)]) over the plan, parallel over outer rows.
@inline(__always)
func binaryKernel<F: BinaryFunction>(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                     _ o: UnsafeMutablePointer<Float>, _ f: F) {
    let r = plan.dims.count
    let inner = plan.dims[r - 1], ia = plan.sa[r - 1], ib = plan.sb[r - 1]
    let outer = plan.count / max(inner, 1)
    let dims = plan.dims, sa = plan.sa, sb = plan.sb
    Parallel.forRange(outer, grain: max(1, 65_536 / max(inner, 1))) { range in
        var idx = [Int](repeating: 0, count: max(r - 1, 0))
        var offA = 0, offB = 0
        var rem = range.lowerBound
        if r >= 2 {
            for d in stride(from: r - 2, through: 0, by: -1) {
                idx[d] = rem % dims[d]; rem /= dims[d]
                offA += idx[d] * sa[d]; offB += idx[d] * sb[d]
            }
        }
        for row in range {
            let po = o + row * inner, pa = a + offA, pb = b + offB
            if ia == 1 && ib == 1 {
                for j in 0..<inner { po[j] = f(pa[j], pb[j]) }
            } else if ia == 1 && ib == 0 {
                let bv = pb[0]
                for j in 0..<inner { po[j] = f(pa[j], bv) }
            } else if ia == 0 && ib == 1 {
                let av = pa[0]
                for j in 0..<inner { po[j] = f(av, pb[j]) }
            } else {
                for j in 0..<inner { po[j] = f(pa[j * ia], pb[j * ib]) }
            }
            var d = r - 2
            while d >= 0 {
                idx[d] += 1; offA += sa[d]; offB += sb[d]
                if idx[d] < dims[d] { break }
                offA -= sa[d] * dims[d]; offB -= sb[d] * dims[d]; idx[d] = 0
                d -= 1
            }
        }
    }
}

/// Pointwise functions are types, not closures: every kernel here is generic over its function,
/// so the function's body is specialised, inlined and vectorised inside the parallel loop. A
/// closure stayed an indirect call per element there (the parallel region is a closure of its
/// own, and the optimiser does not inline a captured closure into it): relu ran at 1/9 the speed
/// of a copy of the tensor that way, and at copy speed as a type (`reidkd-bench elementwise`).
/// The functions live in `Pointwise` (next to their ops), apart from the NN module classes of
/// the same names (ReLU, ReLU6, Sigmoid).
enum Pointwise {}
protocol UnaryFunction { func callAsFunction(_ x: Float) -> Float }
protocol BinaryFunction { func callAsFunction(_ x: Float, _ y: Float) -> Float }

/// o[i] = f(x[i]) for i in 0..<n, parallel for large n.
@inline(__always)
func unaryKernel<F: UnaryFunction>(_ x: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int, _ f: F) {
    Parallel.forRange(n, grain: 65_536) { r in
        for i in r { o[i] = f(x[i]) }
    }
}

/// o[i] = f(x[i], y[i]) for same-shape buffers, parallel for large n.
@inline(__always)
func zipKernel<F: BinaryFunction>(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>,
                                  _ n: Int, _ f: F) {
    Parallel.forRange(n, grain: 65_536) { r in
        for i in r { o[i] = f(x[i], y[i]) }
    }
}

extension Tensor {
    /// New tensor f(self) elementwise (no graph).
    @inline(__always)
    func map<F: UnaryFunction>(_ f: F) -> Tensor {
        let out = Tensor.empty(shape)
        unaryKernel(pointer, out.pointer, count, f)
        return out
    }

    /// New tensor f(self, other) elementwise for equal shapes (no graph).
    @inline(__always)
    func zipMap<F: BinaryFunction>(_ other: Tensor, _ f: F) -> Tensor {
        let out = Tensor.empty(shape)
        zipKernel(pointer, other.pointer, out.pointer, count, f)
        return out
    }
}
