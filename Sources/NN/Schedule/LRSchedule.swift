// Learning-rate schedules as pure functions of (iteration, epoch), FastReID style: a warm-up
// factor applied per iteration for the first WARMUP_ITERS iterations, times a main schedule
// stepped per epoch from DELAY_EPOCHS on:
//   lr(it, e) = BASE_LR · warmup(it) · main(e)
//   warmup(it) = linear: w + (1 − w)·it/T,  constant: w      (it < T; 1 afterwards)
//   MultiStepLR:        main(e) = γ^(number of STEPS ≤ e − DELAY_EPOCHS)
//   CosineAnnealingLR:  lr = η_min + (BASE_LR·warmup − η_min)·(1 + cos(π·k/T_max))/2,
//                       k = clamp(e − DELAY_EPOCHS, 0, T_max),
//                       T_max = MAX_EPOCH − max(⌈WARMUP_ITERS / iters_per_epoch⌉, DELAY_EPOCHS)
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

    /// The learning rate at global iteration `iteration` of epoch `epoch` (both 0-based).
    public func lr(iteration: Int, epoch: Int) -> Double {
        let base = baseLR * warmup(iteration)
        let k = epoch - delayEpochs
        switch main {
        case .multiStep(let steps, let gamma):
            guard k >= 0 else { return base }
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
