// Mean and sample standard deviation over seeds: what every table cell shows as `mean ± std`.
import Foundation

public struct MeanStd: Codable, Equatable, Sendable {
    public let mean: Double
    /// Sample standard deviation (n − 1); 0 for a single value.
    public let std: Double
    public let n: Int

    /// nil when there is no finite value (a run without that summary key is left out).
    public init?(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        n = v.count
        mean = v.reduce(0, +) / Double(n)
        let m = mean
        std = n > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n - 1)).squareRoot() : 0
    }

    public init(mean: Double, std: Double, n: Int) { self.mean = mean; self.std = std; self.n = n }
}
