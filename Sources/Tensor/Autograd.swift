// Reverse-mode autograd. Each recorded op attaches a `GradFn` to its output: the inputs and a
// closure mapping the output's gradient to one gradient per input (nil where not needed).
// Closures capture what backward needs (inputs, saved buffers) but never the output tensor
// itself, so the graph is a DAG of strong references from outputs to inputs: no retain cycles.
// `backward()` releases the graph it walked unless asked to retain it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class GradFn {
    let name: String
    let inputs: [Tensor]
    let backward: (Tensor) -> [Tensor?]
    init(_ name: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Per-thread switch for gradient recording.
public enum GradMode {
    // pthread TLS: 0 / absent = enabled, 1 = disabled. Each thread starts enabled.
    nonisolated(unsafe) private static var key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Whether ops on this thread record a graph.
    public static var isEnabled: Bool {
        get { pthread_getspecific(key) == nil }
        set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }
}

/// Runs `body` with gradient recording off: ops build no graph, so intermediates are freed as
/// soon as they go out of scope. The frozen teacher and evaluation run here.
@discardableResult
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    let previous = GradMode.isEnabled
    GradMode.isEnabled = false
    defer { GradMode.isEnabled = previous }
    return try body()
}

/// Runs `body` with gradient recording on (e.g. inside a no-grad region).
@discardableResult
public func withGrad<T>(_ body: () throws -> T) rethrows -> T {
    let previous = GradMode.isEnabled
    GradMode.isEnabled = true
    defer { GradMode.isEnabled = previous }
    return try body()
}

extension Tensor {
    /// True if an op on these inputs would record a graph node (layers choose a fused,
    /// forward-only kernel when it would not).
    public static func wouldRecord(_ inputs: [Tensor]) -> Bool { recording(inputs) }

    /// True if an op on these inputs must record a graph node.
    @inline(__always)
    static func recording(_ inputs: Tensor...) -> Bool {
        guard GradMode.isEnabled else { return false }
        for t in inputs where t.requiresGrad { return true }
        return false
    }

    @inline(__always)
    static func recording(_ inputs: [Tensor]) -> Bool {
        guard GradMode.isEnabled else { return false }
        for t in inputs where t.requiresGrad { return true }
        return false
    }

    /// Attaches a backward closure to this freshly created op output.
    func record(_ name: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) {
        requiresGrad = true
        gradFn = GradFn(name, inputs, backward)
    }

    /// Back-propagates from this tensor. With no `gradient`, the tensor must hold one element and
    /// the seed is 1. Leaf tensors that require gradients accumulate into `grad`.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        let seed: Tensor
        if let g = gradient {
            if g.shape != shape { shapeFailure(ShapeError("backward: gradient \(describe(g.shape)) for tensor \(describe(shape))")) }
            seed = g
        } else {
            if count != 1 { shapeFailure(ShapeError("backward: called without a gradient on a tensor of shape \(describe(shape)); reduce it to one element first")) }
            seed = Tensor.full(shape, 1)
        }
        guard gradFn != nil else {
            if requiresGrad { var s = seed; accumulateLeafGradient(&s) }   // the caller's seed: copied
            return
        }
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        withNoGrad {
            for t in order.reversed() {
                guard let fn = t.gradFn, let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                var inputGrads = fn.backward(g)
                for i in 0..<Swift.min(fn.inputs.count, inputGrads.count) {
                    let input = fn.inputs[i]
                    guard var ig = inputGrads[i], input.requiresGrad else { continue }
                    inputGrads[i] = nil   // so `ig` may be the gradient's only reference (see below)
                    if ig.shape != input.shape {
                        shapeFailure(ShapeError("backward of \(fn.name): gradient \(describe(ig.shape)) for input \(describe(input.shape))"))
                    }
                    if input.gradFn == nil {
                        input.accumulateLeafGradient(&ig)
                    } else {
                        let key = ObjectIdentifier(input)
                        if let existing = grads[key] { grads[key] = existing + ig } else { grads[key] = ig }
                    }
                }
            }
        }
        if !retainGraph { for t in order { t.gradFn = nil } }
    }

    /// A leaf's first gradient is kept as it is when nothing else can see it: no other reference
    /// to the tensor (not the upstream gradient passed through, not a tensor a backward closure
    /// holds, not the caller's seed) and no view sharing its storage. Otherwise it is copied, since
    /// a later backward accumulates into `grad` in place. (The copy of a conv input's gradient took
    /// a quarter of the 1×1 256→64 layer's backward in `reidkd-bench conv`.)
    func accumulateLeafGradient(_ g: inout Tensor) {
        if let existing = grad {
            let p = existing.pointer, q = g.pointer
            for i in 0..<count { p[i] += q[i] }
        } else if isKnownUniquelyReferenced(&g) && g.storage.tensorCount == 1 && type(of: g) == Tensor.self
                    && g.gradFn == nil && !g.requiresGrad {
            grad = g
        } else {
            grad = g.copy()
        }
    }

    /// Non-leaf tensors reachable from self, children before parents (iterative DFS).
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        while let (t, i) = stack.popLast() {
            guard let fn = t.gradFn else { continue }
            if i == 0 {
                if !visited.insert(ObjectIdentifier(t)).inserted { continue }
            }
            if i < fn.inputs.count {
                stack.append((t, i + 1))
                let child = fn.inputs[i]
                if child.gradFn != nil && !visited.contains(ObjectIdentifier(child)) { stack.append((child, 0)) }
            } else {
                order.append(t)
            }
        }
        return order
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
