// The optimizer base: a list of named parameters, the current learning rate (set by the LR
// schedule before each step), a step counter, and per-parameter state tensors (momentum
// buffers, Adam moments) that are saved under `<parameter name>.<slot>` for exact resume.
// Subclasses implement one update per parameter; the formulas follow PyTorch's single-tensor
// implementations so that runs can be compared with FastReID's.
import Tensor

public class Optimizer {
    public let parameters: [OptimizedParameter]
    /// The learning rate of the next step (before each parameter's `lrFactor`).
    public var learningRate: Float
    /// Number of `step` calls so far.
    public internal(set) var stepCount: Int = 0
    /// State tensors per parameter index and slot name; created lazily at a parameter's first update.
    var state: [[String: Tensor]]

    /// The registry name ("SGD", "Adam", "AdamW").
    public var kind: String { fatalError("Optimizer subclasses override kind") }
    /// Slot names this optimizer keeps per parameter, in save order.
    var slots: [String] { [] }
    /// Shape of a slot for a parameter of shape `shape` (a scalar step counter has shape []).
    func slotShape(_ slot: String, _ shape: [Int]) -> [Int] { shape }

    init(_ parameters: [OptimizedParameter], learningRate: Float) {
        var seen = Set<String>()
        for p in parameters {
            precondition(seen.insert(p.name).inserted, "Optimizer: parameter name \(p.name) appears twice")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.state = Array(repeating: [:], count: parameters.count)
    }

    /// Updates every parameter that has a gradient and is not skipped. `skip` (e.g. the backbone
    /// during the freeze iterations) sees the parameter name; skipped parameters keep their
    /// value and state, as if their gradient were None in PyTorch.
    public func step(skip: ((String) -> Bool)? = nil) {
        for (i, p) in parameters.enumerated() {
            guard !p.parameter.isFrozen, let g = p.parameter.grad else { continue }
            if let skip = skip, skip(p.name) { continue }
            update(i, p, grad: g, lr: learningRate * p.lrFactor)
        }
        stepCount += 1
    }

    /// One parameter's update; `lr` already includes its factor.
    func update(_ index: Int, _ p: OptimizedParameter, grad: Tensor, lr: Float) {
        fatalError("Optimizer subclasses override update")
    }

    /// The state tensor `slot` of parameter `index`, created zero-filled on first use.
    func slot(_ index: Int, _ name: String, created: inout Bool) -> Tensor {
        if let t = state[index][name] { created = false; return t }
        let t = Tensor.zeros(slotShape(name, parameters[index].parameter.shape))
        state[index][name] = t
        created = true
        return t
    }

    /// Clears the gradients of all parameters.
    public func zeroGrad() {
        for p in parameters { p.parameter.zeroGrad() }
    }

    /// State tensors named `<parameter>.<slot>`, in parameter order (only those created so far).
    public func stateDict() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for (i, p) in parameters.enumerated() {
            for s in slots { if let t = state[i][s] { out.append(("\(p.name).\(s)", t)) } }
        }
        return out
    }

    /// Restores state saved by `stateDict()` of an optimizer of the same kind over the same
    /// parameters. Unknown names or wrong shapes are errors (naming `path` and the tensors).
    public func loadStateDict(_ dict: [(String, Tensor)], path: String) throws {
        var index: [String: (Int, String)] = [:]
        for (i, p) in parameters.enumerated() {
            for s in slots { index["\(p.name).\(s)"] = (i, s) }
        }
        var unknown: [String] = [], shapes: [String] = []
        for (name, t) in dict {
            guard let (i, s) = index[name] else { unknown.append(name); continue }
            let want = slotShape(s, parameters[i].parameter.shape)
            if t.shape != want { shapes.append("\(name): saved \(t.shape) vs expected \(want)") }
        }
        if !unknown.isEmpty || !shapes.isEmpty {
            var msg = "\(kind) state does not match this model's parameters"
            if !shapes.isEmpty { msg += "\n  shape mismatches (\(shapes.count)): " + shapes.prefix(8).joined(separator: ", ") }
            if !unknown.isEmpty { msg += "\n  unknown state tensors (\(unknown.count)): " + unknown.prefix(8).joined(separator: ", ") }
            throw CheckpointError(path: path, msg)
        }
        state = Array(repeating: [:], count: parameters.count)
        for (name, t) in dict {
            let (i, s) = index[name]!
            state[i][s] = t.copy()
        }
    }

    /// Hyper-parameters recorded with the saved state (checked on resume).
    public var hyperParameters: [String: String] { [:] }
}

/// Runs `body(range)` over 0..<n, split over the workers when n is large enough to pay off.
@inline(__always)
func elementwise(_ n: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forRange(n, grain: 65_536, body)
}
