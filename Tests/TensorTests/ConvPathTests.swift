// The conv2d GEMM paths (chunked and per-image columns, dW computed directly or transposed,
// dx by Wᵀ·dy + col2im or straight into dx for pointwise, the masked stride-1 im2col/col2im)
// against a direct 7-loop reference of forward AND backward in Double, on random inputs with
// channel counts large enough to take each path. Tolerance: float32 GEMM sums of ≤ 600 terms
// of unit-scale products, atol 1e-3 + rtol 1e-4.
import XCTest
@testable import Tensor
import TestSupport

final class ConvPathTests: XCTestCase {
    /// Direct convolution forward and backward (dx, dW, db for seed dy) in Double.
    func reference(_ x: Tensor, _ w: Tensor, _ dy: Tensor, _ o: Conv2dOptions)
        -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let (ho, wo) = (dy.shape[2], dy.shape[3])
        let coutG = cout / o.groups
        let xs = x.scalars, ws = w.scalars, gs = dy.scalars
        var y = [Double](repeating: 0, count: n * cout * ho * wo)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: cout)
        for i in 0..<n { for co in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            let oi = ((i * cout + co) * ho + oy) * wo + ox
            let g = Double(gs[oi])
            db[co] += g
            var acc = 0.0
            for c in 0..<cg { for ki in 0..<kh { for kj in 0..<kw {
                let iy = oy * o.stride.0 - o.padding.0 + ki * o.dilation.0
                let ix = ox * o.stride.1 - o.padding.1 + kj * o.dilation.1
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                let xi = ((i * cin + (co / coutG) * cg + c) * h + iy) * wd + ix
                let wi = ((co * cg + c) * kh + ki) * kw + kj
                acc += Double(xs[xi]) * Double(ws[wi])
                dx[xi] += Double(ws[wi]) * g
                dw[wi] += Double(xs[xi]) * g
            } } }
            y[oi] = acc
        } } } }
        let f = { (a: [Double]) in a.map { Float($0) } }
        return (f(y), f(dx), f(dw), f(db))
    }

    func check(_ xs: [Int], _ ws: [Int], _ o: Conv2dOptions, file: StaticString = #filePath, line: UInt = #line) {
        let x = randomTensor(xs, seed: 11), w = randomTensor(ws, seed: 12, scale: 0.2), b = randomTensor([ws[0]], seed: 13)
        let y = conv2d(x, weight: w, bias: b, options: o)
        let dy = randomTensor(y.shape, seed: 14, requiresGrad: false)
        y.backward(dy)
        let r = reference(x, w, dy, o)
        let bias = b.scalars
        let plane = y.shape[2] * y.shape[3]
        let yRef = r.y.enumerated().map { $0.element + bias[($0.offset / plane) % ws[0]] }
        assertClose(y.scalars, yRef, atol: 1e-3, rtol: 1e-4, file: file, line: line)
        assertClose(x.grad!.scalars, r.dx, atol: 1e-3, rtol: 1e-4, file: file, line: line)
        assertClose(w.grad!.scalars, r.dw, atol: 1e-3, rtol: 1e-4, file: file, line: line)
        assertClose(b.grad!.scalars, r.db, atol: 1e-3, rtol: 1e-4, file: file, line: line)
    }

    func testPathsAgainstDirectLoops() {
        let p1 = Conv2dOptions(stride: 1, padding: 1)
        // 3×3, small maps: many images per chunk, dW transposed (K = 144 > CoutG = 16), masked im2col.
        let a = try! ConvPlan.make(x: [10, 16, 4, 3], weight: [16, 16, 3, 3], bias: nil, options: p1)
        XCTAssertTrue(a.chunk > 1 && a.weightGradientTransposed)
        check([10, 16, 4, 3], [16, 16, 3, 3], p1)
        // One image per chunk (wide map), 3×3 stride 1 and stride 2 (col2im strided branch).
        check([3, 4, 16, 12], [8, 4, 3, 3], p1)
        check([3, 4, 15, 12], [8, 4, 3, 3], .init(stride: 2, padding: 1))
        // dW direct (K = 4 ≤ CoutG = 24): 1×1 on a wide map (pointwise straight into dx) and on a
        // small map (chunked: the dcol scatter branch).
        let b = try! ConvPlan.make(x: [2, 4, 16, 8], weight: [24, 4, 1, 1], bias: nil, options: .init())
        XCTAssertTrue(b.chunk == 1 && b.isPointwise && !b.weightGradientTransposed)
        check([2, 4, 16, 8], [24, 4, 1, 1], .init())
        check([7, 4, 3, 2], [24, 4, 1, 1], .init())
        // Strided 1×1, grouped 3×3, padding 2 + dilation 2 (masks with wider wrap), 5×3 kernel.
        check([5, 6, 6, 4], [10, 6, 1, 1], .init(stride: 2))
        check([4, 8, 5, 4], [6, 4, 3, 3], .init(stride: 1, padding: 1, groups: 2))
        check([3, 3, 7, 6], [5, 3, 3, 3], .init(stride: 1, padding: 2, dilation: 2))
        check([3, 3, 7, 6], [5, 3, 5, 3], .init(stride: (1, 1), padding: (2, 1)))
        // Strided im2col through phase planes: a stem-like 7×7/2 pad 3, stride 3 with dilation,
        // odd sizes, rectangular stride and padding.
        check([2, 3, 13, 10], [4, 3, 7, 7], .init(stride: 2, padding: 3))
        check([2, 2, 11, 9], [3, 2, 3, 3], .init(stride: 3, padding: 2, dilation: 2))
        check([2, 2, 9, 8], [3, 2, 3, 2], .init(stride: (2, 3), padding: (0, 1)))
        // Strided on small maps (≤ 64 output positions: the gather path), incl. 1×1/2 and dilation.
        check([9, 6, 8, 4], [10, 6, 3, 3], .init(stride: 2, padding: 1))
        check([9, 6, 8, 4], [10, 6, 1, 1], .init(stride: 2))
        check([5, 4, 9, 7], [6, 4, 3, 3], .init(stride: (2, 3), padding: (2, 1), dilation: (2, 1)))
        // Strided unpadded 1×1 (the strided gather): rows long enough for the eight-lane stride-2
        // step, an odd row (the last step must not read past it), a rectangular stride; and a
        // padded 1×1/2, which stays on the phase path.
        XCTAssertTrue(ConvGeometry(kernel: (1, 1), stride: (2, 2)).isStridedPointwise)
        XCTAssertFalse(ConvGeometry(kernel: (1, 1), stride: (2, 2), padding: (1, 1)).isStridedPointwise)
        check([3, 5, 7, 35], [6, 5, 1, 1], .init(stride: 2))
        check([2, 4, 6, 32], [5, 4, 1, 1], .init(stride: (3, 2), padding: (0, 0)))
        check([2, 3, 7, 9], [4, 3, 1, 1], .init(stride: 2, padding: 1))
        // Depthwise with images as lanes (≥ 8 images, ≤ 64 output positions; 11 images leave a partial group of 3): stride 1
        // and 2, dilation, rectangular stride and padding, a 5×5 filter; and below 8 images (the
        // per-plane kernel).
        XCTAssertTrue(usesDepthwiseLanes(try! ConvPlan.make(x: [11, 4, 6, 5], weight: [4, 1, 3, 3], bias: nil, options: .init(padding: 1, groups: 4))))
        XCTAssertFalse(usesDepthwiseLanes(try! ConvPlan.make(x: [16, 4, 18, 8], weight: [4, 1, 3, 3], bias: nil, options: .init(padding: 1, groups: 4))))
        check([11, 4, 6, 5], [4, 1, 3, 3], .init(stride: 1, padding: 1, groups: 4))
        check([11, 3, 9, 8], [3, 1, 3, 3], .init(stride: 2, padding: 1, groups: 3))
        check([9, 2, 9, 7], [2, 1, 3, 3], .init(stride: 1, padding: 2, dilation: 2, groups: 2))
        check([16, 3, 8, 9], [3, 1, 5, 5], .init(stride: (2, 1), padding: (2, 1), groups: 3))
        check([5, 3, 9, 8], [3, 1, 3, 3], .init(stride: 2, padding: 1, groups: 3))
        // 1×1 map with padding: most taps fall entirely outside.
        check([6, 5, 1, 1], [4, 5, 3, 3], p1)
    }

    /// The per-plane depthwise forward sums its taps in registers in tap order: bit-for-bit the
    /// one-axpy-per-tap result it replaced (so trained models did not move).
    func testDepthwiseTapSumRoundsLikeAxpys() {
        var rng = RandomGenerator(seed: 9)
        let src = Tensor.randn([300], rng: &rng), w = Tensor.randn([9], rng: &rng)
        let taps = [0, 1, 2, 18, 19, 20, 36, 37, 38], n = 203   // a 3×3 on rows of 18, n not a multiple of 8
        var ref = [Float](repeating: 0.25, count: n)
        for t in 0..<9 { for i in 0..<n { ref[i] += w.pointer[t] * src.pointer[taps[t] + i] } }
        var out = [Float](repeating: 0, count: n)
        taps.withUnsafeBufferPointer { tp in
            out.withUnsafeMutableBufferPointer { tapSum(n, 0.25, w.pointer, src.pointer, tp, $0.baseAddress!) }
        }
        XCTAssertEqual(out, ref)
    }

    /// Winograd F(2×2, 3×3): odd and even maps (partial edge tiles), padding 0/1/2, several
    /// chunks, against the same Double loops; and it must agree with the im2col path.
    func testWinogradAgainstDirectLoops() {
        let p1 = Conv2dOptions(stride: 1, padding: 1)
        // Batch 64 on 4×2 maps is 128 tiles: Winograd; batch 63 is not.
        XCTAssertTrue(try! ConvPlan.make(x: [64, 64, 4, 2], weight: [64, 64, 3, 3], bias: nil, options: p1).isWinograd)
        XCTAssertFalse(try! ConvPlan.make(x: [63, 64, 4, 2], weight: [64, 64, 3, 3], bias: nil, options: p1).isWinograd)
        // Small shapes below take Winograd only with the tile threshold off.
        let savedTiles = ConvAlgorithm.winogradMinTiles
        ConvAlgorithm.winogradMinTiles = 0
        defer { ConvAlgorithm.winogradMinTiles = savedTiles }
        let a = try! ConvPlan.make(x: [3, 64, 5, 3], weight: [64, 64, 3, 3], bias: nil, options: p1)
        XCTAssertTrue(a.isWinograd)
        XCTAssertFalse(try! ConvPlan.make(x: [3, 32, 5, 3], weight: [64, 32, 3, 3], bias: nil, options: p1).isWinograd)
        XCTAssertFalse(try! ConvPlan.make(x: [3, 64, 5, 3], weight: [64, 64, 3, 3], bias: nil,
                                          options: .init(stride: 2, padding: 1)).isWinograd)
        check([3, 64, 5, 3], [64, 64, 3, 3], p1)
        check([2, 64, 8, 4], [72, 64, 3, 3], p1)
        check([2, 64, 6, 5], [64, 64, 3, 3], .init(stride: 1, padding: 0))
        check([2, 64, 4, 3], [64, 64, 3, 3], .init(stride: (1, 1), padding: (2, 1)))
        // Chunks of one image: dU sums over chunks.
        let saved = (ConvTuning.winogradBudget, ConvTuning.winogradLanes)
        (ConvTuning.winogradBudget, ConvTuning.winogradLanes) = (1, 1)
        defer { (ConvTuning.winogradBudget, ConvTuning.winogradLanes) = saved }
        XCTAssertEqual(a.winogradChunk, 1)
        check([3, 64, 5, 3], [64, 64, 3, 3], p1)
        // With 8 lanes a chunk is a multiple of 8 images, and at least 8, whatever the budget.
        ConvTuning.winogradLanes = 8
        let big = try! ConvPlan.make(x: [64, 64, 16, 8], weight: [64, 64, 3, 3], bias: nil, options: p1)
        let perImage = 16 * 64 * 32
        ConvTuning.winogradBudget = 3 * perImage
        XCTAssertEqual(big.winogradChunk, 8)
        ConvTuning.winogradBudget = 20 * perImage
        XCTAssertEqual(big.winogradChunk, 16)
        XCTAssertEqual(a.winogradChunk, 3)
    }

    func testWinogradMatchesIm2col() {
        // 4 images × 12 tiles < 128: the tile threshold is lowered so that this shape takes Winograd.
        let savedTiles = ConvAlgorithm.winogradMinTiles
        ConvAlgorithm.winogradMinTiles = 1
        defer { ConvAlgorithm.winogradMinTiles = savedTiles }
        XCTAssertTrue(try! ConvPlan.make(x: [4, 64, 7, 6], weight: [64, 64, 3, 3], bias: nil, options: .init(padding: 1)).isWinograd)
        let x = randomTensor([4, 64, 7, 6], seed: 31), w = randomTensor([64, 64, 3, 3], seed: 32, scale: 0.1)
        func run() -> ([Float], [Float], [Float]) {
            x.grad = nil; w.grad = nil
            let y = conv2d(x, weight: w, padding: 1)
            (y * y).sum().backward()
            return (y.scalars, x.grad!.scalars, w.grad!.scalars)
        }
        let wino = run()
        let saved = ConvAlgorithm.threeByThree
        ConvAlgorithm.threeByThree = .im2col
        defer { ConvAlgorithm.threeByThree = saved }
        let ref = run()
        assertClose(wino.0, ref.0, atol: 1e-4, rtol: 1e-4)
        assertClose(wino.1, ref.1, atol: 1e-3, rtol: 1e-4)
        assertClose(wino.2, ref.2, atol: 1e-2, rtol: 1e-4)
    }

    /// The masked stride-1 im2col must not let a non-finite pixel leak into outputs whose window
    /// does not contain it (a plane-wide shift wraps the row ends; the mask is an AND, not a ×0).
    func testNonFiniteInputStaysInItsWindows() {
        let x = Tensor.zeros([1, 1, 4, 4])
        x.pointer[1 * 4 + 3] = .infinity   // (row 1, last column)
        let w = Tensor.ones([1, 1, 3, 3])
        let y = withNoGrad { conv2d(x, weight: w, padding: 1) }
        for oy in 0..<4 { for ox in 0..<4 {
            let touches = abs(oy - 1) <= 1 && abs(ox - 3) <= 1
            XCTAssertEqual(y.pointer[oy * 4 + ox].isFinite, !touches, "output (\(oy), \(ox))")
        } }
    }
}
