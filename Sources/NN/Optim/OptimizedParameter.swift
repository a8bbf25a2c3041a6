// Per-parameter optimizer settings, decided from the parameter's dotted name and rank the way
// FastReID's `get_default_optimizer_params` decides them from module types:
//   • biases (last name component "bias"): LR × BIAS_LR_FACTOR, weight decay WEIGHT_DECAY_BIAS;
//   • other parameters of rank ≤ 1 (norm scales such as BatchNorm/IN weights, GeM's p):
//     weight decay WEIGHT_DECAY_NORM;
//   • everything else (conv/linear weights, rank ≥ 2): WEIGHT_DECAY.
// Setting WEIGHT_DECAY_NORM and WEIGHT_DECAY_BIAS to 0 gives "no decay on norm/bias parameters".
import Tensor

/// One trainable tensor with its name and its own LR factor and weight decay.
public final class OptimizedParameter {
    public let name: String
    public let parameter: Parameter
    /// Multiplies the optimizer's current learning rate for this parameter.
    public var lrFactor: Float
    public var weightDecay: Float

    public init(name: String, parameter: Parameter, lrFactor: Float = 1, weightDecay: Float = 0) {
        self.name = name
        self.parameter = parameter
        self.lrFactor = lrFactor
        self.weightDecay = weightDecay
    }
}

/// The three classes of parameters that get different hyper-parameters.
public enum ParameterKind: String, Sendable {
    case weight, norm, bias

    /// Classifies a parameter by its dotted name and rank (see the file comment).
    public static func of(name: String, rank: Int) -> ParameterKind {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        if last == "bias" { return .bias }
        return rank <= 1 ? .norm : .weight
    }
}

/// Weight-decay and LR-factor rules applied to named parameters.
public struct ParameterGroupRules: Sendable {
    public var weightDecay: Float
    public var weightDecayNorm: Float
    public var weightDecayBias: Float
    public var biasLRFactor: Float

    public init(weightDecay: Float = 5e-4, weightDecayNorm: Float = 5e-4, weightDecayBias: Float = 5e-4, biasLRFactor: Float = 1) {
        self.weightDecay = weightDecay
        self.weightDecayNorm = weightDecayNorm
        self.weightDecayBias = weightDecayBias
        self.biasLRFactor = biasLRFactor
    }

    /// Settings for every parameter that is not frozen (frozen ones, e.g. the BNNeck bias, are
    /// left out: they never change).
    public func apply(to named: [(String, Parameter)]) -> [OptimizedParameter] {
        named.filter { !$0.1.isFrozen }.map { name, p in
            switch ParameterKind.of(name: name, rank: p.rank) {
            case .weight: return OptimizedParameter(name: name, parameter: p, lrFactor: 1, weightDecay: weightDecay)
            case .norm: return OptimizedParameter(name: name, parameter: p, lrFactor: 1, weightDecay: weightDecayNorm)
            case .bias: return OptimizedParameter(name: name, parameter: p, lrFactor: biasLRFactor, weightDecay: weightDecayBias)
            }
        }
    }
}
