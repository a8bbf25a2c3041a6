// The one seeded generator of ReidKD: xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
// Every random choice — weight init, sampling, augmentation, dropout — draws from a
// `RandomGenerator`, so a run is reproduced by its seed. Independent streams are derived from a
// seed and a key path (e.g. seed, epoch, sample index): the derived stream is a pure function of
// its key, which is what makes augmentations cacheable per sample.
import Foundation

public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        var sm = seed
        s0 = Self.splitmix(&sm); s1 = Self.splitmix(&sm)
        s2 = Self.splitmix(&sm); s3 = Self.splitmix(&sm)
    }

    /// An independent stream that depends only on `seed` and `key` (e.g. `[epoch, index]`).
    public init(seed: UInt64, key: [UInt64]) {
        var h = seed &+ 0x9E37_79B9_7F4A_7C15
        for k in key {
            var m = h ^ (k &* 0xBF58_476D_1CE4_E5B9)
            h = Self.splitmix(&m) &+ 0x94D0_49BB_1331_11EB
        }
        self.init(seed: h)
    }

    static func splitmix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// A child generator whose stream does not overlap in practice with the parent's.
    public mutating func fork() -> RandomGenerator { RandomGenerator(seed: next()) }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Uniform double in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal sample (Box–Muller).
    public mutating func normal() -> Float {
        let (a, _) = normalPair()
        return a
    }

    @inline(__always)
    mutating func normalPair() -> (Float, Float) {
        // u1 in (0, 1] to keep log finite.
        let u1 = 1 - uniformDouble()
        let u2 = uniformDouble()
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let th = 2 * Double.pi * u2
        return (Float(r * Foundation.cos(th)), Float(r * Foundation.sin(th)))
    }

    /// Unbiased integer in 0..<n (Lemire's method).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "RandomGenerator.int(below:) needs n > 0, got \(n)")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Bernoulli(p).
    public mutating func bernoulli(_ p: Float) -> Bool { uniform() < p }

    /// A uniformly random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        shuffle(&a)
        return a
    }

    /// Shuffles in place (Fisher–Yates; same result on every platform, unlike stdlib shuffle).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { a.swapAt(i, j) }
        }
    }

    public mutating func fillUniform(_ buf: UnsafeMutableBufferPointer<Float>, low: Float, high: Float) {
        for i in 0..<buf.count { buf[i] = uniform(low, high) }
    }

    public mutating func fillNormal(_ buf: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float) {
        var i = 0
        while i < buf.count {
            let (a, b) = normalPair()
            buf[i] = mean + std * a
            if i + 1 < buf.count { buf[i + 1] = mean + std * b }
            i += 2
        }
    }
}
