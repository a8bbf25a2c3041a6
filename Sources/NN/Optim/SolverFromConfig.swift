// The training machinery SOLVER.* describes: the optimizer with its parameter groups, the LR
// schedule, the backbone freeze and gradient clipping. Each builder reads its keys where it
// uses them (an SGD key is read only for SGD).
import Config
import Tensor

extension ResolvedConfig {
    /// Per-parameter weight decay and LR factor rules of SOLVER.*.
    public var parameterRules: ParameterGroupRules {
        ParameterGroupRules(weightDecay: Float(self[\SolverKeys.weightDecay]), weightDecayNorm: Float(self[\SolverKeys.weightDecayNorm]),
                            weightDecayBias: Float(self[\SolverKeys.weightDecayBias]), biasLRFactor: Float(self[\SolverKeys.biasLRFactor]))
    }

    /// The SOLVER.OPT optimizer over a model's named parameters (frozen ones are left out).
    public func makeOptimizer(_ named: [(String, Parameter)]) -> Optimizer {
        let params = parameterRules.apply(to: named)
        let lr = Float(self[\SolverKeys.baseLR])
        switch self[\SolverKeys.opt] {
        case "SGD": return SGD(params, learningRate: lr, momentum: Float(self[\SolverKeys.momentum]), nesterov: self[\SolverKeys.nesterov])
        case "AdamW": return Adam(params, learningRate: lr, decoupled: true)
        default: return Adam(params, learningRate: lr)
        }
    }

    /// The SOLVER LR schedule for `itersPerEpoch` iterations per epoch.
    public func makeSchedule(itersPerEpoch: Int) -> LRSchedule {
        let main: MainSchedule = self[\SolverKeys.sched] == "CosineAnnealingLR"
            ? .cosine(maxEpoch: self[\SolverKeys.maxEpoch], etaMin: self[\SolverKeys.etaMinLR])
            : .multiStep(steps: self[\SolverKeys.steps], gamma: self[\SolverKeys.gamma])
        return LRSchedule(baseLR: self[\SolverKeys.baseLR], warmupMethod: WarmupMethod(rawValue: self[\SolverKeys.warmupMethod]) ?? .linear,
                          warmupFactor: self[\SolverKeys.warmupFactor], warmupIters: self[\SolverKeys.warmupIters],
                          delayEpochs: self[\SolverKeys.delayEpochs], main: main, itersPerEpoch: max(1, itersPerEpoch))
    }

    /// MODEL.FREEZE_LAYERS for SOLVER.FREEZE_ITERS (the prefixes matter only when it is > 0).
    public var freezeSchedule: FreezeSchedule {
        let iters = self[\SolverKeys.freezeIters]
        return FreezeSchedule(prefixes: iters > 0 ? self[\ModelKeys.freezeLayers] : [], iterations: iters)
    }

    /// SOLVER.CLIP_GRADIENTS as a clipping step, or nil when disabled.
    public var gradientClipping: GradientClipping.Rule? {
        guard self[\SolverKeys.clipEnabled] else { return nil }
        let value = Float(self[\SolverKeys.clipValue])
        return self[\SolverKeys.clipType] == "value" ? .value(value) : .norm(value, normType: Float(self[\SolverKeys.clipNormType]))
    }
}
