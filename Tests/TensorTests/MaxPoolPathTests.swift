import XCTest
import Tensor

/// The separable max pool against a direct row-major window scan (first maximum wins ties, the
/// last NaN wins over numbers): same values and the same gradient routing.
final class MaxPoolPathTests: XCTestCase {
    func reference(_ x: Tensor, k: Int, s: Int, p: Int, d: Int) -> (y: [Float], arg: [Int]) {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let ho = (h + 2 * p - d * (k - 1) - 1) / s + 1, wo = (w + 2 * p - d * (k - 1) - 1) / s + 1
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
}
