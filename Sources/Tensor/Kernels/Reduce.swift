// Sum reduction over any set of axes of a row-major buffer. The input dimensions are tagged
// reduce/keep, size-1 dimensions dropped and neighbours with the same tag merged, which leaves an
// alternating pattern such as [keep, reduce] (row sums), [reduce, keep] (column sums, e.g. bias
// gradients) or [reduce, keep, reduce] (per-channel sums over N and H·W).

struct ReducePlan {
    var dims: [Int] = []      // coalesced input dims
    var reduce: [Bool] = []   // tag per coalesced dim
    var outStride: [Int] = [] // stride in the output for keep dims (0 for reduce dims)
    let inCount: Int
    let outCount: Int

    init(shape: [Int], axes: [Int]) {
        inCount = Shapes.count(shape)
        var d: [Int] = [], red: [Bool] = []
        for (i, n) in shape.enumerated() where n != 1 {
            let r = axes.contains(i)
            if let last = red.last, last == r { d[d.count - 1] *= n } else { d.append(n); red.append(r) }
        }
        if d.isEmpty { d = [1]; red = [false] }
        dims = d; reduce = red
        var acc = 1
        outStride = [Int](repeating: 0, count: d.count)
        for i in stride(from: d.count - 1, through: 0, by: -1) where !red[i] { outStride[i] = acc; acc *= d[i] }
        outCount = acc
    }
}

/// out (zero-initialised here) = sum of x over the plan's reduce dims.
func reduceSumKernel(_ plan: ReducePlan, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
    out.update(repeating: 0, count: plan.outCount)
    let r = plan.dims.count
    let inner = plan.dims[r - 1]
    // Fast parallel paths.
    if r == 2 && !plan.reduce[0] && plan.reduce[1] {           // row sums
        let rows = plan.dims[0]
        Parallel.forRange(rows, grain: max(1, 65_536 / inner)) { range in
            for i in range { out[i] = sumRun(x + i * inner, inner) }
        }
        return
    }
    if r == 1 && plan.reduce[0] { out[0] = sumRun(x, inner); return }
    if r == 2 && plan.reduce[0] && !plan.reduce[1] {           // column sums
        let rows = plan.dims[0]
        Parallel.forRange(inner, grain: 256) { cols in
            for i in 0..<rows {
                let p = x + i * inner
                for j in cols { out[j] += p[j] }
            }
        }
        return
    }
    // General pattern: odometer over outer dims, contiguous innermost run.
    let outer = plan.inCount / inner
    var idx = [Int](repeating: 0, count: r - 1)
    var o = 0
    let lastReduce = plan.reduce[r - 1]
    for row in 0..<outer {
        let p = x + row * inner
        if lastReduce {
            out[o] += sumRun(p, inner)
        } else {
            let q = out + o
            for j in 0..<inner { q[j] += p[j] }
        }
        var d = r - 2
        while d >= 0 {
            idx[d] += 1; o += plan.outStride[d]
            if idx[d] < plan.dims[d] { break }
            o -= plan.outStride[d] * plan.dims[d]; idx[d] = 0
            d -= 1
        }
    }
}

/// Sum of n contiguous floats with 8 independent accumulators (vectorises; smaller rounding
/// error than one running sum).
@inline(__always)
func sumRun(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
    var i = 0
    while i + 8 <= n {
        acc.0 += p[i]; acc.1 += p[i + 1]; acc.2 += p[i + 2]; acc.3 += p[i + 3]
        acc.4 += p[i + 4]; acc.5 += p[i + 5]; acc.6 += p[i + 6]; acc.7 += p[i + 7]
        i += 8
    }
    var s = ((acc.0 + acc.1) + (acc.2 + acc.3)) + ((acc.4 + acc.5) + (acc.6 + acc.7))
    while i < n { s += p[i]; i += 1 }
    return s
}
