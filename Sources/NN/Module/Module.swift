// Module: the tree that holds a model's parameters and buffers under stable PyTorch/FastReID-style
// dotted keys (`backbone.layer1.0.bn1.running_mean`). Every module registers its own parameters,
// buffers and children in construction order; keys are the path of child names joined by dots,
// so the order of `stateDict()` is the construction order and never depends on hashing.
// Train/eval mode is set on the root and propagated to every descendant.
import Tensor

/// Base class of every layer, backbone, head and model.
open class Module {
    /// Training mode: batch statistics in BN, margins in classifiers, dropout. Set with `train(_:)`.
    public private(set) var isTraining = true
    private var ownParameters: [(String, Parameter)] = []
    private var ownBuffers: [(String, Tensor)] = []
    private var ownChildren: [(String, Module)] = []

    public init() {}

    // MARK: Registration (called from subclass initialisers)

    /// Registers a parameter under `name` and returns it, so initialisers read
    /// `weight = register("weight", Parameter(...))`.
    @discardableResult
    public func register(_ name: String, _ p: Parameter) -> Parameter {
        precondition(!hasLocalName(name), "\(type(of: self)): duplicate key '\(name)'")
        ownParameters.append((name, p))
        return p
    }

    /// Registers a non-trainable tensor (BN running statistics) saved in the state dict.
    @discardableResult
    public func registerBuffer(_ name: String, _ t: Tensor) -> Tensor {
        precondition(!hasLocalName(name), "\(type(of: self)): duplicate key '\(name)'")
        ownBuffers.append((name, t))
        return t
    }

    /// Registers a child module; its keys are prefixed with `name.`.
    @discardableResult
    public func register<M: Module>(_ name: String, _ m: M) -> M {
        precondition(!hasLocalName(name), "\(type(of: self)): duplicate key '\(name)'")
        ownChildren.append((name, m))
        m.setTraining(isTraining)
        return m
    }

    private func hasLocalName(_ name: String) -> Bool {
        ownParameters.contains { $0.0 == name } || ownBuffers.contains { $0.0 == name } || ownChildren.contains { $0.0 == name }
    }

    // MARK: Mode

    /// Sets training mode on this module and all descendants; returns self for chaining.
    @discardableResult
    public func train(_ on: Bool = true) -> Self { setTraining(on); return self }

    /// Evaluation mode (running BN statistics, no margins, configured neck feature).
    @discardableResult
    public func eval() -> Self { setTraining(false); return self }

    private func setTraining(_ on: Bool) {
        isTraining = on
        for (_, c) in ownChildren { c.setTraining(on) }
    }

    // MARK: Traversal

    /// Direct children in registration order.
    public var children: [(String, Module)] { ownChildren }

    /// All modules with their dotted paths (self first, with path `prefix`), depth-first.
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (n, c) in ownChildren { out += c.namedModules(prefix: join(prefix, n)) }
        return out
    }

    /// Every parameter (frozen ones included) under its dotted key, in a stable order.
    public func namedParameters(prefix: String = "") -> [(String, Parameter)] {
        var out = ownParameters.map { (join(prefix, $0.0), $0.1) }
        for (n, c) in ownChildren { out += c.namedParameters(prefix: join(prefix, n)) }
        return out
    }

    /// Every buffer under its dotted key.
    public func namedBuffers(prefix: String = "") -> [(String, Tensor)] {
        var out = ownBuffers.map { (join(prefix, $0.0), $0.1) }
        for (n, c) in ownChildren { out += c.namedBuffers(prefix: join(prefix, n)) }
        return out
    }

    /// Parameters only (for optimizers).
    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// Parameters that receive gradients (not frozen).
    public func trainableParameters() -> [Parameter] { parameters().filter { !$0.isFrozen } }

    /// Number of scalars in all parameters (frozen included, buffers excluded), as PyTorch's
    /// `sum(p.numel() for p in model.parameters())`.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Clears the gradient of every parameter.
    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    // MARK: State dict

    /// Parameters then buffers of each module, depth-first in registration order: for a module,
    /// its own parameters, its own buffers, then its children (PyTorch's `state_dict` order).
    public func stateDict(prefix: String = "") -> [(String, Tensor)] {
        var out: [(String, Tensor)] = ownParameters.map { (join(prefix, $0.0), $0.1 as Tensor) }
        out += ownBuffers.map { (join(prefix, $0.0), $0.1) }
        for (n, c) in ownChildren { out += c.stateDict(prefix: join(prefix, n)) }
        return out
    }

    /// Copies values from `state` into this module's parameters and buffers. Every key must be
    /// present with the same shape and no key may be left over; otherwise nothing is changed and
    /// the error lists the first mismatches.
    public func loadStateDict(_ state: [(String, Tensor)]) throws {
        let mine = stateDict()
        var given: [String: Tensor] = [:]
        for (k, v) in state { given[k] = v }
        var missing: [String] = [], badShape: [String] = []
        for (k, t) in mine {
            guard let v = given[k] else { missing.append(k); continue }
            if v.shape != t.shape { badShape.append("\(k): checkpoint \(v.shape) vs model \(t.shape)") }
        }
        let known = Set(mine.map(\.0))
        let unexpected = state.map(\.0).filter { !known.contains($0) }
        if !missing.isEmpty || !badShape.isEmpty || !unexpected.isEmpty {
            throw StateDictError(missing: missing, unexpected: unexpected, shapeMismatches: badShape)
        }
        for (k, t) in mine { t.assign(given[k]!) }
    }

    private func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
}

/// A module with one tensor in and one tensor out (layers, poolings, backbones, Sequential).
public protocol Layer: Module {
    func forward(_ x: Tensor) -> Tensor
}

extension Layer {
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }
}

/// Why a state dict does not fit a model: the first few names of each kind.
public struct StateDictError: Error, CustomStringConvertible {
    public let missing: [String]
    public let unexpected: [String]
    public let shapeMismatches: [String]
    public var description: String {
        func list(_ title: String, _ xs: [String]) -> String? {
            xs.isEmpty ? nil : "\(title) (\(xs.count)): " + xs.prefix(5).joined(separator: ", ") + (xs.count > 5 ? ", …" : "")
        }
        let parts = [list("shape mismatch", shapeMismatches), list("missing in checkpoint", missing),
                     list("not in model", unexpected)].compactMap { $0 }
        return "state dict does not match the model architecture — " + parts.joined(separator: "; ")
            + ". Check that the checkpoint was saved from the same model config (backbone, depth, width, head)."
    }
}
