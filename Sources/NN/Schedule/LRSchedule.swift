// Learning-rate schedules as pure functions of (iteration, epoch), reproducing FastReID's
// hooks: a warm-up factor per iteration for the first WARMUP_ITERS = W iterations, and a main
// schedule stepped at the end of every epoch once the warm-up is over and the next epoch is
// ≥ DELAY_EPOCHS = D. With I iterations per epoch, the main schedule has stepped
//   k(e) = max(0, e − max(⌊W / I⌋, D − 1))   times when epoch e starts, and
//   lr(it, e) = BASE_LR · warmup(it) · main(k(e))
//   warmup(it) = linear: w + (1 − w)·it/W,  constant: w      (it < W; 1 afterwards)
//   MultiStepLR:        main(k) = γ^(number of STEPS ≤ k)
//   CosineAnnealingLR:  lr = η_min + (BASE_LR − η_min)·(1 + cos(π·min(k, T)/T))/2,
//                       T = MAX_EPOCH − max(⌈W / I⌉, D)
// (so the cosine reaches η_min on the last epoch; note that with warm-up the multi-step
// milestones count epochs after the warm-up, as in FastReID).
// Being pure functions, they need no state in checkpoints: resume recomputes them.
import Foundation

public enum WarmupMethod: String, CaseIterable, Sendable {
    case linear, constant
}

public enum MainSchedule: Equatable, Sendable {
    case multiStep(steps: [Int], gamma: Double)
    case cosine(maxEpoch: Int, etaMin: Double)
}

public struct LRSchedule: Sendable {
    public var baseLR: Double
    public var warmupMethod: WarmupMethod
    public var warmupFactor: Double
    public var warmupIters: Int
    public var delayEpochs: Int
    public var main: MainSchedule
    /// Iterations per epoch (needed by the cosine T_max).
    public var itersPerEpoch: Int

    public init(baseLR: Double, warmupMethod: WarmupMethod = .linear, warmupFactor: Double = 0.1, warmupIters: Int = 0,
                delayEpochs: Int = 0, main: MainSchedule, itersPerEpoch: Int) {
        precondition(itersPerEpoch > 0, "LRSchedule: itersPerEpoch must be > 0")
        self.baseLR = baseLR
        self.warmupMethod = warmupMethod
        self.warmupFactor = warmupFactor
        self.warmupIters = warmupIters
        self.delayEpochs = delayEpochs
        self.main = main
        self.itersPerEpoch = itersPerEpoch
    }

    /// The warm-up multiplier at global iteration `iteration` (0-based).
    public func warmup(_ iteration: Int) -> Double {
        guard iteration < warmupIters else { return 1 }
        switch warmupMethod {
        case .constant: return warmupFactor
        case .linear:
            let a = Double(iteration) / Double(warmupIters)
            return warmupFactor * (1 - a) + a
        }
    }

    /// Cosine period in epochs.
    public var cosinePeriod: Int {
        guard case .cosine(let maxEpoch, _) = main else { return 0 }
        let warmupEpochs = (warmupIters + itersPerEpoch - 1) / itersPerEpoch
        return max(0, maxEpoch - max(warmupEpochs, delayEpochs))
    }

    /// How many times the main schedule has stepped when epoch `epoch` starts.
    public func mainSteps(epoch: Int) -> Int {
        max(0, epoch - max(warmupIters / itersPerEpoch, delayEpochs - 1))
    }

    /// The learning rate at global iteration `iteration` of epoch `epoch` (both 0-based).
    public func lr(iteration: Int, epoch: Int) -> Double {
        let base = baseLR * warmup(iteration)
        let k = mainSteps(epoch: epoch)
        switch main {
        case .multiStep(let steps, let gamma):
            let passed = steps.filter { $0 <= k }.count
            return base * Foundation.pow(gamma, Double(passed))
        case .cosine(_, let etaMin):
            let tMax = cosinePeriod
            guard k > 0, tMax > 0 else { return base }
            let kk = Double(min(k, tMax))
            return etaMin + (base - etaMin) * (1 + Foundation.cos(Double.pi * kk / Double(tMax))) / 2
        }
    }

    /// Convenience: the learning rate at a global iteration, deriving the epoch from it.
    public func lr(iteration: Int) -> Double {
        lr(iteration: iteration, epoch: iteration / itersPerEpoch)
    }
}

/// Which parameters are frozen (not updated) during the first `iterations` iterations:
/// those whose dotted name equals one of `prefixes` or starts with `prefix + "."`.
public struct FreezeSchedule: Sendable {
    public var prefixes: [String]
    public var iterations: Int

    public init(prefixes: [String] = ["backbone"], iterations: Int) {
        self.prefixes = prefixes
        self.iterations = iterations
    }

    /// Whether `name` matches a frozen prefix (regardless of the iteration).
    public func matches(_ name: String) -> Bool {
        prefixes.contains { name == $0 || name.hasPrefix($0 + ".") }
    }

    /// Whether parameter `name` is frozen at global iteration `iteration` (0-based).
    public func isFrozen(_ name: String, iteration: Int) -> Bool {
        iteration < iterations && matches(name)
    }

    /// The predicate to pass as `Optimizer.step(skip:)` at `iteration`, nil once nothing is frozen.
    public func skipPredicate(iteration: Int) -> ((String) -> Bool)? {
        guard iteration < iterations, !prefixes.isEmpty else { return nil }
        return { self.matches($0) }
    }
}
