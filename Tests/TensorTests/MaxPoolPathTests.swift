import XCTest
import Tensor

/// The separable max pool against a direct row-major window scan (first maximum wins ties, the
/// last NaN wins over numbers): same values and the same gradient routing.
final class MaxPoolPathTests: XCTestCase {
    func reference(_ x: Tensor, k: Int, s: Int, p: Int, d: Int, ceil: Bool = false) -> (y: [Float], arg: [Int]) {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        // PyTorch's pooling_output_shape.
        func size(_ n: Int) -> Int {
            var o = (n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s + 1
            if ceil && (o - 1) * s >= n + p { o -= 1 }
            return o
        }
        let ho = size(h), wo = size(w)
        var y: [Float] = [], arg: [Int] = []
        let xs = x.scalars
        for pl in 0..<planes { for oy in 0..<ho { for ox in 0..<wo {
            var best = -Float.infinity, bi = -1
            for ki in 0..<k { for kj in 0..<k {
                let iy = oy * s - p + ki * d, ix = ox * s - p + kj * d
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let v = xs[(pl * h + iy) * w + ix]
                if v > best || bi < 0 || v.isNaN { best = v; bi = (pl * h + iy) * w + ix }
            } }
            y.append(best); arg.append(bi)
        } } }
        return (y, arg)
    }

    func testAgainstDirectScan() {
        var rng = RandomGenerator(seed: 3)
        for (k, s, p, d, h, w) in [(3, 2, 1, 1, 9, 8), (3, 2, 1, 1, 8, 6), (2, 2, 0, 1, 6, 5), (3, 1, 1, 1, 5, 4),
                                   (3, 3, 0, 2, 11, 9), (5, 2, 2, 1, 9, 10), (3, 2, 0, 1, 1 + 2, 3)] {
            // Small integers: many ties inside windows. A few NaNs in the second plane.
            var v = (0..<(2 * 3 * h * w)).map { _ in Float(rng.int(below: 4)) }
            for i in stride(from: h * w + 1, to: v.count, by: 7) { v[i] = .nan }
            let x = Tensor(shape: [2, 3, h, w], scalars: v)
            x.requiresGrad = true
            let y = maxPool2d(x, kernel: k, stride: s, padding: p, dilation: d)
            let r = reference(x, k: k, s: s, p: p, d: d)
            XCTAssertEqual(y.count, r.y.count)
            for i in 0..<y.count {
                XCTAssertTrue(y.pointer[i] == r.y[i] || (y.pointer[i].isNaN && r.y[i].isNaN), "k\(k) s\(s) p\(p) d\(d): output \(i)")
            }
            // Gradient routing: seed i + 1 at output i lands on the reference argmax.
            let seed = Tensor(shape: y.shape, scalars: (0..<y.count).map { Float($0 + 1) })
            y.backward(seed)
            var expect = [Float](repeating: 0, count: x.count)
            for (i, a) in r.arg.enumerated() { expect[a] += Float(i + 1) }
            XCTAssertEqual(x.grad!.scalars, expect, "k\(k) s\(s) p\(p) d\(d)")
        }
    }

    /// ceil_mode (FastReID's ResNet stem: 3×3/2, padding 0): the last window may run past the
    /// input; sizes and values as PyTorch's, including the rule that drops a window starting in
    /// the right padding.
    func testCeilMode() {
        var rng = RandomGenerator(seed: 4)
        for (k, s, p, h, w) in [(3, 2, 0, 6, 6), (3, 2, 0, 33, 17), (3, 2, 0, 32, 16), (2, 2, 0, 5, 7), (3, 2, 1, 6, 7), (3, 3, 1, 7, 5)] {
            let x = Tensor(shape: [2, 3, h, w], scalars: (0..<(6 * h * w)).map { _ in Float(rng.int(below: 9)) })
            x.requiresGrad = true
            let y = maxPool2d(x, kernel: k, stride: s, padding: p, ceilMode: true)
            let r = reference(x, k: k, s: s, p: p, d: 1, ceil: true)
            XCTAssertEqual(y.count, r.y.count, "k\(k) s\(s) p\(p) \(h)×\(w)")
            XCTAssertEqual(y.scalars, r.y)
            let seed = Tensor(shape: y.shape, scalars: (0..<y.count).map { Float($0 + 1) })
            y.backward(seed)
            var expect = [Float](repeating: 0, count: x.count)
            for (i, a) in r.arg.enumerated() { expect[a] += Float(i + 1) }
            XCTAssertEqual(x.grad!.scalars, expect)
        }
        // 6×6 arange, 3×3/2 ceil: the last row and column of windows hold rows/columns 4–5.
        let y = maxPool2d(Tensor(shape: [1, 1, 6, 6], scalars: (0..<36).map(Float.init)), kernel: 3, stride: 2, ceilMode: true)
        XCTAssertEqual(y.shape, [1, 1, 3, 3])
        XCTAssertEqual(y.scalars, [14, 16, 17, 26, 28, 29, 32, 34, 35])
        // Odd maps are where the two ResNet stems differ in size: 33×17 → 16×8 (FastReID) vs 17×9.
        XCTAssertEqual(maxPool2d(Tensor.zeros([1, 1, 33, 17]), kernel: 3, stride: 2, ceilMode: true).shape, [1, 1, 16, 8])
        XCTAssertEqual(maxPool2d(Tensor.zeros([1, 1, 33, 17]), kernel: 3, stride: 2, padding: 1).shape, [1, 1, 17, 9])
    }
}
