// Mean, sample standard deviation and a 95% confidence interval over seeds: what every table
// cell shows. Three kinds: plain values (one per seed), paired differences (a row's seed s minus
// its reference's seed s, same architecture) and, where seeds do not pair up, Welch's unpaired
// difference of two means. A difference whose interval contains 0 is "within noise".
import Foundation

/// One run's value of a column, with the seed it was trained with (for pairing).
public struct SeedValue: Codable, Equatable, Sendable {
    public var seed: Int
    public var value: Double
    public init(seed: Int, value: Double) { self.seed = seed; self.value = value }
}

public struct Interval: Codable, Equatable, Sendable {
    public let low: Double
    public let high: Double
    public var containsZero: Bool { low <= 0 && 0 <= high }
}

public enum IntervalMethod: String, Codable, Sendable {
    /// One value per seed: mean ± t₀.₉₇₅(n − 1) · s / √n.
    case seeds
    /// Same-seed differences d_s = a_s − b_s, then as `seeds` on the d_s.
    case paired
    /// Unpaired difference of the two means (the seeds do not pair up): ā − b̄ ± t₀.₉₇₅(ν) · √(s_a²/n_a + s_b²/n_b),
    /// ν by Welch–Satterthwaite.
    case welch
}

public struct Estimate: Codable, Equatable, Sendable {
    public let mean: Double
    /// Sample standard deviation (n − 1) of the values or of the paired differences; for `welch`,
    /// √(s_a² + s_b²), the spread of a one-seed difference. nil when there are too few values (n = 1).
    public let std: Double?
    /// How many values (seeds, or seed pairs) the mean is over; for `welch`, the row's own.
    public let n: Int
    /// `welch` only: how many values the reference (e.g. the baseline) has.
    public let nReference: Int?
    /// The 95% confidence interval of the mean (Student t); nil when there is none (n = 1).
    public let ci: Interval?
    /// Degrees of freedom of the t quantile.
    public let df: Double?
    public let method: IntervalMethod
    /// Differences only: true when the 95% interval contains 0 (not told apart from seed noise),
    /// false when it excludes 0, nil without an interval (and for plain values, where 0 means nothing).
    public let withinNoise: Bool?

    init(mean: Double, std: Double?, n: Int, nReference: Int? = nil, ci: Interval?, df: Double?, method: IntervalMethod) {
        self.mean = mean; self.std = std; self.n = n; self.nReference = nReference; self.ci = ci; self.df = df
        self.method = method
        withinNoise = method == .seeds ? nil : ci?.containsZero
    }

    /// Mean, std and t interval of the finite values (non-finite ones — a missing summary key, a
    /// diverged run — are left out); nil when none is finite.
    public init?(_ values: [Double], method: IntervalMethod = .seeds) {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        let n = v.count, m = Self.mean(v)
        guard n > 1 else { self.init(mean: m, std: nil, n: 1, ci: nil, df: nil, method: method); return }
        let s = Self.sampleStd(v, mean: m)
        let half = StudentT.q975(df: Double(n - 1)) * s / Double(n).squareRoot()
        self.init(mean: m, std: s, n: n, ci: Interval(low: m - half, high: m + half), df: Double(n - 1), method: method)
    }

    /// a − b: paired over seeds when `pairable` and both sides have the same seeds, each once;
    /// otherwise Welch's unpaired difference. nil when either side has no finite value.
    public static func difference(_ a: [SeedValue], _ b: [SeedValue], pairable: Bool = true) -> Estimate? {
        let a = a.filter { $0.value.isFinite }, b = b.filter { $0.value.isFinite }
        guard !a.isEmpty, !b.isEmpty else { return nil }
        if pairable, let d = pairedDifferences(a, b) { return Estimate(d.map(\.value), method: .paired) }
        return welch(a.map(\.value), b.map(\.value))
    }

    /// The per-seed differences a_s − b_s, in a's order, when the seeds pair up one to one; else nil.
    public static func pairedDifferences(_ a: [SeedValue], _ b: [SeedValue]) -> [SeedValue]? {
        let sa = a.map(\.seed), sb = b.map(\.seed)
        guard Set(sa).count == sa.count, Set(sb).count == sb.count, Set(sa) == Set(sb) else { return nil }
        let byB = Dictionary(uniqueKeysWithValues: b.map { ($0.seed, $0.value) })
        return a.map { SeedValue(seed: $0.seed, value: $0.value - byB[$0.seed]!) }
    }

    /// Welch's unpaired difference ā − b̄ (finite values only); an interval needs two values on each side.
    public static func welch(_ a: [Double], _ b: [Double]) -> Estimate? {
        let a = a.filter(\.isFinite), b = b.filter(\.isFinite)
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let ma = mean(a), mb = mean(b), d = ma - mb
        guard a.count > 1, b.count > 1 else {
            return Estimate(mean: d, std: nil, n: a.count, nReference: b.count, ci: nil, df: nil, method: .welch)
        }
        let sa = sampleStd(a, mean: ma), sb = sampleStd(b, mean: mb)
        let va = sa * sa / Double(a.count), vb = sb * sb / Double(b.count)
        let se = (va + vb).squareRoot()
        let df = se == 0 ? Double(a.count + b.count - 2)
            : (va + vb) * (va + vb) / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        let half = se == 0 ? 0 : StudentT.q975(df: df) * se
        return Estimate(mean: d, std: (sa * sa + sb * sb).squareRoot(), n: a.count, nReference: b.count,
                        ci: Interval(low: d - half, high: d + half), df: df, method: .welch)
    }

    /// The estimate of k · X for a constant k > 0 (e.g. a ratio to the teacher's mean).
    public func scaled(by k: Double) -> Estimate {
        precondition(k > 0, "Estimate.scaled: the factor must be positive, got \(k)")
        return Estimate(mean: k * mean, std: std.map { k * $0 }, n: n, nReference: nReference,
                        ci: ci.map { Interval(low: k * $0.low, high: k * $0.high) }, df: df, method: method)
    }

    static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

    static func sampleStd(_ v: [Double], mean m: Double) -> Double {
        (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
    }
}
