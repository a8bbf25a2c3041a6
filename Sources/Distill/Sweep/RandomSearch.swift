// Random search (Bergstra & Bengio 2012): `search: {kind: random, trials: N, seed: S, space: {KEY:
// DISTRIBUTION, …}}` draws N points, each a value per key, from
//   {uniform: [a, b]}     a float in [a, b)
//   {loguniform: [a, b]}  a float whose log is uniform in [log a, log b), a > 0
//   {int: [a, b]}         an integer in a…b, both included
//   {choice: [v1, v2, …]} one of the values, equally likely
// with one RandomGenerator seeded by S (default 0), so the same file gives the same trials on
// every machine; each trial is a point like a grid point (`<arch>-trial007-s<seed>`), crossed
// with the architectures and seeds. The values go through the config system like any override.
import Foundation
import Yams
import Tensor
import NN

public struct RandomSearch: Equatable, Sendable {
    public enum Distribution: Equatable, Sendable {
        case uniform(Double, Double)
        case logUniform(Double, Double)
        case int(Int, Int)
        case choice([String])
    }

    public var trials: Int
    public var seed: UInt64 = 0
    public var space: [(key: String, distribution: Distribution)]

    public static func == (a: RandomSearch, b: RandomSearch) -> Bool {
        a.trials == b.trials && a.seed == b.seed && a.space.elementsEqual(b.space) { $0.key == $1.key && $0.distribution == $1.distribution }
    }

    /// The trials, in draw order: for each trial one value per key, keys in file order.
    public func points() -> [Overrides] {
        var rng = RandomGenerator(seed: seed)
        return (0..<trials).map { _ in space.map { ($0.key, RandomSearch.draw($0.distribution, &rng)) } }
    }

    /// One value as YAML text: floats in shortest round-trip form.
    static func draw(_ d: Distribution, _ rng: inout RandomGenerator) -> String {
        switch d {
        case .uniform(let a, let b): return shortest(a + (b - a) * rng.uniformDouble())
        case .logUniform(let a, let b): return shortest(exp(log(a) + (log(b) - log(a)) * rng.uniformDouble()))
        case .int(let a, let b): return String(a + rng.int(below: b - a + 1))
        case .choice(let vs): return vs[rng.int(below: vs.count)]
        }
    }

    static func shortest(_ x: Double) -> String { "\(x)" }

    static func parse(_ n: Node, _ at: String) throws -> RandomSearch {
        guard let m = n.mapping else { throw SweepError("\(at) must be a mapping: {kind: random, trials: N, space: {KEY: {uniform: [a, b]}, …}}") }
        var trials: Int?, seed: UInt64 = 0, space: [(String, Distribution)] = []
        let valid = ["kind", "trials", "seed", "space"]
        for (k, v) in m {
            let key = k.string ?? ""
            switch key {
            case "kind":
                guard SweepSpec.valueText(v) == "random" else {
                    throw SweepError("\(at).kind: '\(SweepSpec.valueText(v))' is not a search kind; use random")
                }
            case "trials":
                guard let t = Int(SweepSpec.valueText(v)), t >= 1, t <= 10_000 else { throw SweepError("\(at).trials must be an integer in 1…10000") }
                trials = t
            case "seed":
                guard let s = UInt64(SweepSpec.valueText(v)) else { throw SweepError("\(at).seed must be an integer ≥ 0") }
                seed = s
            case "space":
                guard let sm = v.mapping, !sm.isEmpty else { throw SweepError("\(at).space must map config keys to distributions") }
                space = try sm.map { kv in let key = try SweepSpec.scalar(kv.key, "\(at).space"); return (key, try distribution(kv.value, "\(at).space.\(key)")) }
            default: throw SweepError("\(at): unknown key '\(key)'\(didYouMean(key, valid)); valid: \(valid.joined(separator: ", "))")
            }
        }
        guard let trials else { throw SweepError("\(at).trials is required") }
        guard !space.isEmpty else { throw SweepError("\(at).space is required") }
        return RandomSearch(trials: trials, seed: seed, space: space)
    }

    static func distribution(_ n: Node, _ at: String) throws -> Distribution {
        let kinds = ["uniform", "loguniform", "int", "choice"]
        guard let m = n.mapping, m.count == 1, let (k, v) = m.first.map({ ($0.key.string ?? "", $0.value) }) else {
            throw SweepError("\(at) must be one of {uniform: [a, b]}, {loguniform: [a, b]}, {int: [a, b]}, {choice: [values]}")
        }
        guard let seq = v.sequence else { throw SweepError("\(at).\(k) must be a list") }
        let items = seq.map(SweepSpec.valueText)
        func bounds<T: Comparable>(_ parse: (String) -> T?) throws -> (T, T) {
            guard items.count == 2, let a = parse(items[0]), let b = parse(items[1]), a < b else {
                throw SweepError("\(at).\(k) must be [low, high] with low < high, got [\(items.joined(separator: ", "))]")
            }
            return (a, b)
        }
        switch k {
        case "uniform": let (a, b) = try bounds(Double.init); return .uniform(a, b)
        case "loguniform":
            let (a, b) = try bounds(Double.init)
            guard a > 0 else { throw SweepError("\(at).loguniform needs low > 0, got \(items[0])") }
            return .logUniform(a, b)
        case "int": let (a, b) = try bounds { Int($0) }; return .int(a, b)
        case "choice":
            guard !items.isEmpty else { throw SweepError("\(at).choice must list at least one value") }
            return .choice(items)
        default: throw SweepError("\(at): '\(k)' is not a distribution\(didYouMean(k, kinds)); use one of \(kinds.joined(separator: ", "))")
        }
    }
}
