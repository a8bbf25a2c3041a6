// Autograd semantics: accumulation, reuse, no-grad scope, graph release, frozen parameters.
import XCTest
@testable import Tensor
import TestSupport

final class AutogradTests: XCTestCase {
    func testReuseAndAccumulation() {
        let x = Tensor([1, 2, 3]); x.requiresGrad = true
        (x * x + x).sum().backward()                 // d/dx = 2x + 1
        XCTAssertEqual(x.grad!.scalars, [3, 5, 7])
        (x * 2).sum().backward()                     // accumulates +2
        XCTAssertEqual(x.grad!.scalars, [5, 7, 9])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    /// A leaf keeps a fresh gradient without a copy only when nothing else can see it; later
    /// accumulation writes into `grad` in place, so every shared case must have been copied.
    func testLeafGradientNeverAliases() {
        // add passes one upstream tensor to both inputs: a and b must not share it.
        let a = Tensor([1, 2]), b = Tensor([3, 4]); a.requiresGrad = true; b.requiresGrad = true
        let seed = Tensor([1, 10])
        (a + b).backward(seed)
        (a + b).backward(seed)
        XCTAssertEqual(a.grad!.scalars, [2, 20])
        XCTAssertEqual(b.grad!.scalars, [2, 20])
        XCTAssertEqual(seed.scalars, [1, 10], "the caller's seed was written through a leaf gradient")
        XCTAssertFalse(a.grad!.storage === b.grad!.storage)
        // The same tensor used twice by one op, and a reshape view of the seed passed through.
        let c = Tensor([1, 2]); c.requiresGrad = true
        (c * c).sum().backward()
        (c + c).sum().backward()
        XCTAssertEqual(c.grad!.scalars, [4, 6])
        let d = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]); d.requiresGrad = true
        let dSeed = Tensor([1, 1, 1, 1])
        d.reshaped([4]).backward(dSeed)
        d.reshaped([4]).backward(dSeed)
        XCTAssertEqual(d.grad!.scalars, [2, 2, 2, 2])
        XCTAssertEqual(dSeed.scalars, [1, 1, 1, 1])
        // A leaf backpropagated directly gets a copy of the seed.
        let e = Tensor([5, 6]); e.requiresGrad = true
        let eSeed = Tensor([1, 2])
        e.backward(eSeed); e.backward(eSeed)
        XCTAssertEqual(e.grad!.scalars, [2, 4])
        XCTAssertEqual(eSeed.scalars, [1, 2])
    }

    func testNoGradRecordsNothing() {
        let x = Tensor([1, 2]); x.requiresGrad = true
        let y = withNoGrad { (x * 3).exp() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertFalse(y.hasGradFn)
        XCTAssertTrue(GradMode.isEnabled)
        let z = withNoGrad { withGrad { x * 3 } }
        XCTAssertTrue(z.hasGradFn)
    }

    func testNoGradIsPerThread() {
        let x = Tensor([1]); x.requiresGrad = true
        final class Box: @unchecked Sendable { var t: Tensor? }
        let other = Box()
        withNoGrad {
            let t = Thread { other.t = x * 2 }
            t.start()
            while !t.isFinished { usleep(1000) }
        }
        XCTAssertTrue(other.t!.hasGradFn, "another thread keeps recording while this one is in no-grad")
    }

    func testGraphReleasedAfterBackward() {
        let x = Tensor([1, 2]); x.requiresGrad = true
        let h = x.exp()
        let loss = (h * h).sum()
        XCTAssertTrue(h.hasGradFn)
        loss.backward()
        XCTAssertFalse(h.hasGradFn, "backward frees the graph it walked")
        XCTAssertFalse(loss.hasGradFn)
        let h2 = x.exp(); let l2 = h2.sum()
        l2.backward(retainGraph: true)
        XCTAssertTrue(h2.hasGradFn)
    }

    func testNoRetainCycles() {
        weak var weakIntermediate: Tensor?
        weak var weakLoss: Tensor?
        let x = randomTensor([4, 4], seed: 1)
        do {
            let h = x.relu().softmax()
            weakIntermediate = h
            let loss = (h * 2).sum()
            weakLoss = loss
            XCTAssertNotNil(weakIntermediate)
        }
        XCTAssertNil(weakIntermediate, "dropping the loss frees the whole graph (no backward needed)")
        XCTAssertNil(weakLoss)
    }

    func testFrozenParameter() {
        let w = Parameter(Tensor([1, 2]))
        let b = Parameter(Tensor([0.5, 0.5]), frozen: true)
        XCTAssertTrue(w.requiresGrad)
        XCTAssertTrue(b.isFrozen)
        (w * b + b).sum().backward()
        XCTAssertEqual(w.grad!.scalars, [0.5, 0.5])
        XCTAssertNil(b.grad)
        b.isFrozen = false
        (w * b).sum().backward()
        XCTAssertEqual(b.grad!.scalars, [1, 2])
    }

    func testNonScalarBackwardWithSeed() {
        let x = Tensor([1, 2, 3]); x.requiresGrad = true
        let y = x * 2
        y.backward(Tensor([1, 0, -1]))
        XCTAssertEqual(x.grad!.scalars, [2, 0, -2])
    }
}

final class RandomTests: XCTestCase {
    func testGoldenStream() {
        // xoshiro256** seeded by SplitMix64(42); values from an independent Python implementation
        // (Scripts/xoshiro_reference.py).
        var r = RandomGenerator(seed: 42)
        XCTAssertEqual((0..<4).map { _ in r.next() },
                       [1546998764402558742, 6990951692964543102, 12544586762248559009, 17057574109182124193])
    }

    func testDeterminismAndStreams() {
        var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7), c = RandomGenerator(seed: 8)
        XCTAssertEqual((0..<10).map { _ in a.uniform() }, (0..<10).map { _ in b.uniform() })
        XCTAssertNotEqual(a.next(), c.next())
        var k1 = RandomGenerator(seed: 7, key: [3, 11]), k2 = RandomGenerator(seed: 7, key: [3, 11])
        var k3 = RandomGenerator(seed: 7, key: [3, 12]), k4 = RandomGenerator(seed: 7, key: [11, 3])
        let v = k1.next()
        XCTAssertEqual(v, k2.next())
        XCTAssertNotEqual(v, k3.next())
        XCTAssertNotEqual(v, k4.next())
    }

    func testDistributions() {
        var r = RandomGenerator(seed: 1)
        let n = 100_000
        var s = 0.0, s2 = 0.0, u = 0.0
        for _ in 0..<n { let z = Double(r.normal()); s += z; s2 += z * z; u += Double(r.uniform()) }
        XCTAssertEqual(s / Double(n), 0, accuracy: 0.02)
        XCTAssertEqual(s2 / Double(n), 1, accuracy: 0.02)
        XCTAssertEqual(u / Double(n), 0.5, accuracy: 0.01)
        let p = r.permutation(1000)
        XCTAssertEqual(p.sorted(), Array(0..<1000))
        XCTAssertNotEqual(p, Array(0..<1000))
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[r.int(below: 7)] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 400) }
        let t = Tensor.randn([3, 4], rng: &r)
        XCTAssertEqual(t.shape, [3, 4])
    }
}
