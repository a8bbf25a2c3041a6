import XCTest
@testable import Tensor

/// The vector row pass of 3-wide stride-2 max pools (MaxPoolRows.swift) against the scalar pass:
/// the same bits (ties keep the first tap, NaN the last NaN, ±0 and −∞ as found) on rows of
/// every width around the 16-lane blocks, with padding 0 and 1 and ceil mode, and the same
/// gradient routing.
final class MaxPoolRowsTests: XCTestCase {
    func run(_ x: Tensor, padding: Int, ceil: Bool, vector: Bool) -> (y: [UInt32], g: [UInt32]) {
        let saved = MaxPoolRows.vector
        MaxPoolRows.vector = vector
        defer { MaxPoolRows.vector = saved }
        x.grad = nil
        let y = maxPool2d(x, kernel: 3, stride: 2, padding: padding, ceilMode: ceil)
        y.backward(Tensor(shape: y.shape, scalars: (0..<y.count).map { Float($0 % 13 + 1) }))
        return (y.scalars.map(\.bitPattern), x.grad!.scalars.map(\.bitPattern))
    }

    func testVectorMatchesScalar() {
        var rng = RandomGenerator(seed: 21)
        let specials: [Float] = [.nan, 0, -0.0, -.infinity, .infinity]
        for w in [3, 4, 5, 15, 16, 17, 31, 32, 33, 34, 47, 64, 65] {
            for (padding, ceil) in [(1, false), (0, false), (0, true), (1, true)] {
                let h = 5
                var v = (0..<(2 * h * w)).map { _ in Float(rng.int(below: 5)) - 2 }
                for i in stride(from: 3, to: v.count, by: 11) { v[i] = specials[i % specials.count] }
                let x = Tensor(shape: [1, 2, h, w], scalars: v)
                x.requiresGrad = true
                XCTAssertTrue(MaxPoolRows.applies(kernel: 3, stride: 2, padding: padding, dilation: 1))
                let a = run(x, padding: padding, ceil: ceil, vector: true)
                let b = run(x, padding: padding, ceil: ceil, vector: false)
                XCTAssertEqual(a.y, b.y, "w \(w) padding \(padding) ceil \(ceil): values")
                XCTAssertEqual(a.g, b.g, "w \(w) padding \(padding) ceil \(ceil): gradient")
            }
        }
    }
}
