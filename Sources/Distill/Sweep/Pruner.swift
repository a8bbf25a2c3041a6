// Early stopping of a sweep's distilled students (`prune:` in the sweep file). At each check
// epoch a student's evaluation is compared with the other students of the same sweep at the same
// epoch (read from the store: rows committed with their checkpoints); a run below the rule's bound
// stops with status `pruned`, its record and checkpoint kept. Teachers and baselines are never
// pruned: every distilled row of the report needs them.
//   median: from `warmup` on, every `every` epochs: below the median of the others (once at
//           least `min_runs` others reported), as Optuna's MedianPruner.
//   asha:   rungs at epochs warmup·η^k (Li et al. 2020, asynchronous successive halving): a run
//           continues only if it is in the top 1/η of the values at its rung so far (the best
//           of them while fewer than η reported), as Optuna's SuccessiveHalvingPruner.
import Foundation
import Eval
import Store

public struct PruneSpec: Equatable, Sendable {
    public enum Rule: String, CaseIterable, Sendable { case median, asha }
    public var metric = "mAP"
    public var rule = Rule.median
    public var warmup = 1
    public var every = 1
    /// asha's η.
    public var reduction = 3
    /// median: how many other runs must have reported at the epoch before any is pruned.
    public var minRuns = 3

    public init() {}

    /// Summary-style metric names and the evaluation rows they are logged as.
    static let evalKeys = ["mAP": "eval_mAP", "R1": "eval_rank1", "R5": "eval_rank5", "R10": "eval_rank10", "mINP": "eval_mINP"]
    public var evalKey: String { PruneSpec.evalKeys[metric]! }

    func value(_ e: EvalResult) -> Double {
        switch metric {
        case "R1": return e.rank1
        case "R5": return e.rank5
        case "R10": return e.rank10
        case "mINP": return e.mINP
        default: return e.mAP
        }
    }

    /// The epochs (1-based, as logged) at which a run of `maxEpoch` epochs is checked; never the last.
    public func checkEpochs(maxEpoch: Int) -> [Int] {
        var out: [Int] = []
        switch rule {
        case .median:
            var e = warmup
            while e < maxEpoch { out.append(e); e += every }
        case .asha:
            var e = warmup
            while e < maxEpoch { out.append(e); e *= reduction }
        }
        return out
    }

    /// Whether a run with `value` stops, given the other runs' values at the same epoch; the
    /// reason when it does.
    public func shouldPrune(value: Double, others: [Double]) -> String? {
        switch rule {
        case .median:
            guard others.count >= minRuns else { return nil }
            let s = others.sorted(), n = s.count
            let median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
            return value < median ? String(format: "%@ %.4f below the median %.4f of %d other runs", metric, value, median, n) : nil
        case .asha:
            let competing = (others + [value]).sorted(by: >)
            let index = Swift.max(competing.count / reduction - 1, 0)
            let bound = competing[index]
            return value < bound ? String(format: "%@ %.4f outside the top 1/%d at this rung (bound %.4f, %d runs)", metric, value, reduction, bound, competing.count) : nil
        }
    }
}

/// A pruning decision maker for one run, reading the other runs' values from the store.
public struct Pruner {
    public let spec: PruneSpec
    public let store: ExperimentStore
    public let sweep: Int64
    public let run: Int64

    /// The trainer's gate: nil to go on, or why the run stops.
    public func check(epoch: Int, evaluation: EvalResult) throws -> String? {
        let others = try store.metricAtEpoch(sweep: sweep, key: spec.evalKey, epoch: epoch, roles: [.student])
            .filter { $0.run != run }.map(\.value)
        return spec.shouldPrune(value: spec.value(evaluation), others: others).map { "pruned at epoch \(epoch): \($0)" }
    }
}
