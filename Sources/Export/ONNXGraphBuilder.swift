// Builds an ONNX graph node by node: unique value names, initializers for constants, and
// single-output nodes named after the module path they lower (so a failing node in an ONNX
// viewer points back at `backbone.layer2.0.conv1`).
import Tensor

struct ONNXGraphBuilder {
    var graph: ONNXGraph
    private var used: Set<String> = []

    init(name: String) { graph = ONNXGraph(name: name) }

    /// A value name not used before, derived from `base`.
    mutating func fresh(_ base: String) -> String {
        var name = base, k = 1
        while used.contains(name) { k += 1; name = "\(base)_\(k)" }
        used.insert(name)
        return name
    }

    /// Adds a float initializer and returns its name.
    mutating func constant(_ base: String, dims: [Int], _ values: [Float]) -> String {
        let n = fresh(base)
        graph.initializers.append(.float(n, dims: dims, values))
        return n
    }

    mutating func constant(_ base: String, _ t: Tensor) -> String { constant(base, dims: t.shape, t.scalars) }

    /// Adds an int64 initializer (shapes, axes, split sizes) and returns its name.
    mutating func int64s(_ base: String, _ values: [Int]) -> String {
        let n = fresh(base)
        graph.initializers.append(.int64(n, dims: [values.count], values.map(Int64.init)))
        return n
    }

    /// Adds a node with one output and returns the output's name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], path: String, _ attributes: [ONNXAttribute] = []) -> String {
        nodes(op, inputs, outputs: 1, path: path, attributes)[0]
    }

    /// Adds a node with `outputs` outputs (Split) and returns their names.
    mutating func nodes(_ op: String, _ inputs: [String], outputs: Int, path: String, _ attributes: [ONNXAttribute] = []) -> [String] {
        let base = path.isEmpty ? op : "\(path).\(op)"
        let outs = (0..<outputs).map { fresh(outputs == 1 ? base : "\(base).\($0)") }
        graph.nodes.append(ONNXNode(op: op, inputs: inputs, outputs: outs, name: fresh("node:" + base), attributes: attributes))
        return outs
    }
}
