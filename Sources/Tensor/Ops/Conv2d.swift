// 2-D convolution, NCHW. x: (N, Cin, H, W); weight: (Cout, Cin/groups, kH, kW); bias: (Cout).
// Output: (N, Cout, Ho, Wo).
//
// Forward per chunk of `cb` images and per group:  y (CoutG × cb·HoWo) = W_g (CoutG × K) · col
// with K = CinG·kH·kW. Backward per chunk (Conv2dBackward.swift):  dW_gᵀ += col · dyᵀ (or
// dW_g += dy · colᵀ when K ≤ CoutG)  and  dcol = W_gᵀ · dy → col2im. The col matrix is rebuilt in backward instead of stored (im2col is cheap next to the GEMMs and
// this keeps activation memory at the size of x). Chunks are spread over the workers, each with
// its own buffers and its own dW partial (summed at the end), so no two workers write the same
// memory. A 1×1, stride-1, unpadded conv on one image skips im2col entirely: col is x itself.
// Depthwise convolutions (groups = Cin = Cout) use a direct kernel (DepthwiseLanes.swift for
// batches of ≥ 8 images on small maps, else DepthwiseConv.swift); stride-1 3×3 convolutions with
// ≥ 64 channels and enough tiles use Winograd F(2×2, 3×3) (Conv2dWinograd.swift).

import Foundation

/// Options of a convolution: stride, padding, dilation, groups (square or rectangular).
public struct Conv2dOptions: Sendable {
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)
    public var groups: Int
    public init(stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.stride = (stride, stride); self.padding = (padding, padding)
        self.dilation = (dilation, dilation); self.groups = groups
    }
    public init(stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }
}

/// Everything a conv kernel needs, validated once.
struct ConvPlan {
    let n: Int, cin: Int, h: Int, w: Int
    let cout: Int, groups: Int, cinG: Int, coutG: Int
    let ho: Int, wo: Int
    let geo: ConvGeometry
    var k: Int { cinG * geo.kernelH * geo.kernelW }
    var hwo: Int { ho * wo }
    /// 1×1, stride 1, no padding: x is already the col matrix of one image.
    var isPointwise: Bool {
        geo.kernelH == 1 && geo.kernelW == 1 && geo.strideH == 1 && geo.strideW == 1 && geo.padH == 0 && geo.padW == 0
    }
    var isDepthwise: Bool { groups > 1 && cinG == 1 && coutG == 1 }
    /// Weight gradient computed as dWᵀ = col · dyᵀ (tall M) rather than dW = dy · colᵀ.
    var weightGradientTransposed: Bool { k > coutG }
    /// Images per chunk: wide enough for an efficient GEMM, small enough to keep col in cache,
    /// and at least one chunk per worker.
    var chunk: Int {
        if isPointwise && hwo >= ConvTuning.pointwiseDirect { return 1 }
        let targetCols = ConvTuning.targetCols
        var cb = Swift.max(1, (targetCols + hwo - 1) / hwo)
        let colBudget = ConvTuning.colBudget
        cb = Swift.min(cb, Swift.max(1, colBudget / Swift.max(k * hwo, 1)))
        let perWorker = (n + Parallel.threads - 1) / Parallel.threads
        return Swift.max(1, Swift.min(cb, perWorker, n))
    }

    static func make(x: [Int], weight: [Int], bias: [Int]?, options o: Conv2dOptions) throws -> ConvPlan {
        guard x.count == 4 else { throw ShapeError("conv2d: input must be NCHW (rank 4), got \(describe(x))") }
        guard weight.count == 4 else { throw ShapeError("conv2d: weight must be (Cout, Cin/groups, kH, kW), got \(describe(weight))") }
        let g = o.groups
        guard g >= 1, x[1] % g == 0, weight[0] % g == 0 else {
            throw ShapeError("conv2d: groups=\(g) must divide input channels \(x[1]) and output channels \(weight[0])")
        }
        guard weight[1] == x[1] / g else {
            throw ShapeError("conv2d: weight \(describe(weight)) expects \(weight[1] * g) input channels with groups=\(g), input is \(describe(x))")
        }
        if let b = bias, b != [weight[0]] {
            throw ShapeError("conv2d: bias \(describe(b)) does not match \(weight[0]) output channels")
        }
        let geo = ConvGeometry(kernel: (weight[2], weight[3]), stride: o.stride, padding: o.padding, dilation: o.dilation)
        let (ho, wo) = try geo.outputSize(h: x[2], w: x[3], op: "conv2d")
        return ConvPlan(n: x[0], cin: x[1], h: x[2], w: x[3], cout: weight[0], groups: g,
                        cinG: x[1] / g, coutG: weight[0] / g, ho: ho, wo: wo, geo: geo)
    }
}

/// 2-D convolution (cross-correlation, as in PyTorch).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2dOptions = .init()) -> Tensor {
    let plan = checked { try ConvPlan.make(x: x.shape, weight: weight.shape, bias: bias?.shape, options: options) }
    let y = Tensor.empty([plan.n, plan.cout, plan.ho, plan.wo])
    // Winograd's transformed weights, kept for the backward.
    let winograd = !plan.isDepthwise && plan.isWinograd ? winogradWeights(plan, weight.pointer) : nil
    if plan.isDepthwise && usesDepthwiseLanes(plan) {
        depthwiseLanesForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer)
    } else if plan.isDepthwise {
        depthwiseForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer)
    } else if let u = winograd {
        winogradForward(plan, x.pointer, u, bias?.pointer, y.pointer)
    } else {
        convForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer)
    }
    var inputs = [x, weight]
    if let b = bias { inputs.append(b) }
    if Tensor.recording(inputs) {
        y.record("conv2d", inputs) { g in
            let gx = x.requiresGrad ? Tensor.empty(x.shape) : nil
            let gw = weight.requiresGrad ? Tensor.empty(weight.shape) : nil
            let gb = (bias?.requiresGrad ?? false) ? Tensor.empty([plan.cout]) : nil
            if plan.isDepthwise && usesDepthwiseLanes(plan) {
                depthwiseLanesBackward(plan, x.pointer, weight.pointer, g.pointer, gx?.pointer, gw?.pointer, gb?.pointer)
            } else if plan.isDepthwise {
                depthwiseBackward(plan, x.pointer, weight.pointer, g.pointer, gx?.pointer, gw?.pointer, gb?.pointer)
            } else if let u = winograd {
                winogradBackward(plan, x.pointer, u, g.pointer, gx?.pointer, gw?.pointer, gb?.pointer)
            } else {
                convBackward(plan, x.pointer, weight.pointer, g.pointer, gx?.pointer, gw?.pointer, gb?.pointer)
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }
    return y
}

/// Convenience: square stride/padding/dilation.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Tensor {
    conv2d(x, weight: weight, bias: bias,
           options: Conv2dOptions(stride: stride, padding: padding, dilation: dilation, groups: groups))
}

// MARK: - GEMM path

/// Chunks [c·cb, min((c+1)·cb, n)) are assigned round-robin to at most `threads` workers.
/// Returns the number of workers used.
@discardableResult
func forEachChunk(_ plan: ConvPlan, _ body: (_ worker: Int, _ b0: Int, _ cb: Int) -> Void) -> Int {
    let cb = plan.chunk
    let chunks = (plan.n + cb - 1) / cb
    let workers = Swift.min(Parallel.threads, chunks)
    Parallel.run(tasks: workers) { wk in
        var c = wk
        while c < chunks {
            let b0 = c * cb
            body(wk, b0, Swift.min(cb, plan.n - b0))
            c += workers
        }
    }
    return workers
}

/// The GEMM operand of group `g` for images b0 ..< b0+cb: im2col into `col`, or — pointwise
/// convs without a col buffer — x itself (already K × H·W per image).
func groupColumns(_ p: ConvPlan, _ x: UnsafePointer<Float>, images b0: Int, count cb: Int, group g: Int,
                  into col: Storage?) -> UnsafePointer<Float> {
    let hw = p.h * p.w, inImg = p.cin * hw
    let xg = x + b0 * inImg + g * p.cinG * hw
    guard let col = col else { return xg }
    im2col(xg, imageStride: inImg, images: cb, channels: p.cinG, h: p.h, w: p.w, ho: p.ho, wo: p.wo, p.geo, col.pointer)
    return UnsafePointer(col.pointer)
}

func convForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                 _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue? = nil) {
    let k = p.k, hwo = p.hwo, outImg = p.cout * hwo
    forEachChunk(p) { _, b0, cb in
        let cols = cb * hwo
        let direct = cb == 1   // the GEMM writes straight into y
        let col = (direct && p.isPointwise) ? nil : Storage(count: k * cols)
        let tmp = direct ? nil : Storage(count: p.coutG * cols)
        for g in 0..<p.groups {
            let wg = w + g * p.coutG * k
            let colPtr = groupColumns(p, x, images: b0, count: cb, group: g, into: col)
            // BLAS.sgemm, not sgemmSerial: inside a worker it is one serial call, and when the
            // whole batch is one chunk (batch 1) it splits the product over the idle workers.
            if direct {
                BLAS.sgemm(m: p.coutG, n: hwo, k: k, a: wg, lda: k, b: colPtr, ldb: hwo,
                           c: y + b0 * outImg + g * p.coutG * hwo, ldc: hwo)
            } else {
                let t = tmp!.pointer
                BLAS.sgemm(m: p.coutG, n: cols, k: k, a: wg, lda: k, b: colPtr, ldb: cols, c: t, ldc: cols)
                for b in 0..<cb {
                    let yb = y + (b0 + b) * outImg + g * p.coutG * hwo
                    for co in 0..<p.coutG { copyRun(t + co * cols + b * hwo, yb + co * hwo, hwo) }
                }
            }
        }
        if let bias = bias {
            for b in 0..<cb {
                let yb = y + (b0 + b) * outImg
                for co in 0..<p.cout {
                    let bv = bias[co], row = yb + co * hwo
                    for i in 0..<hwo { row[i] += bv }
                }
            }
        }
        // An eval-mode BN (+ ReLU) on the chunk just written, while it is in cache.
        epilogue?.apply(y, images: b0, count: cb, channels: p.cout, plane: hwo)
    }
}

/// Chunking constants, tuned with `reidkd-bench conv` on the 2-core reference machine.
enum ConvTuning {
    /// GEMM width (output positions) a chunk aims for: 256–512 measured 2–5% faster than 1024 on
    /// 32×16 maps (col stays nearer L2) and gives the two workers more chunks to share.
    static let targetCols = 512
    /// Upper bound on a chunk's col matrix, in floats (8 MiB), so it stays near cache.
    static let colBudget = 2 << 20
    /// Pointwise convs with at least this many output positions per image run one GEMM per
    /// image straight on x (no gather copy of x, no scatter of the product into y). OpenBLAS
    /// needs 64×128+ for that to pay; the packing-free kernel runs N = 32 at its full rate, and
    /// 32 measured 0.96–0.98× of 128 on r50's eval forward at batch 64 (the 8×4 maps of 128×64
    /// inputs; Scripts/bench_ab.py). 8 (4×2 maps) ran 1.47× slower: each image re-reads the
    /// weights. `REIDKD_POINTWISE_DIRECT=<positions>` sets it for A/B runs.
    nonisolated(unsafe) static var pointwiseDirect =
        Int(ProcessInfo.processInfo.environment["REIDKD_POINTWISE_DIRECT"] ?? "") ?? (DirectGEMM.enabled ? 32 : 128)
    /// Floats per Winograd transformed tensor of a chunk (256 Ki floats = 1 MiB, the L2 of one
    /// core): V and M then pass from transform to GEMM to transform in L2 rather than L3/DRAM.
    /// 16 MiB measured 0.89× the training step and 0.85× the eval forward of r18 at 128×64
    /// (Scripts/bench_ab.py); 2–4 MiB the same within noise. `REIDKD_WINOGRAD_BUDGET` (floats)
    /// overrides it for A/B runs.
    nonisolated(unsafe) static var winogradBudget =
        Int(ProcessInfo.processInfo.environment["REIDKD_WINOGRAD_BUDGET"] ?? "") ?? (1 << 18)
    /// Images per Winograd chunk come in multiples of this (when the batch has as many): the
    /// transforms run on 8-lane vectors across images, so fewer lanes leave SIMD lanes idle
    /// (budgets that gave 1–4 images per chunk measured 1.5–2.3× slower).
    nonisolated(unsafe) static var winogradLanes = 8
}
