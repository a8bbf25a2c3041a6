// Arithmetic with NumPy broadcasting: + − × ÷ between tensors and with scalars, negation.
// Backward of a broadcast operand sums the gradient back to the operand's shape (`sum(toShape:)`).

extension Tensor {
    @inline(__always)
    static func broadcastOp<F: BinaryFunction>(_ name: String, _ a: Tensor, _ b: Tensor, _ f: F) -> Tensor {
        let shape = checked { try Shapes.broadcast(a.shape, b.shape, op: name) }
        let out = Tensor.empty(shape)
        if a.shape == b.shape {
            zipKernel(a.pointer, b.pointer, out.pointer, out.count, f)
        } else {
            binaryKernel(BroadcastPlan(out: shape, a: a.shape, b: b.shape), a.pointer, b.pointer, out.pointer, f)
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastOp("add", a, b, Pointwise.Add())
        if recording(a, b) {
            out.record("add", [a, b]) { g in
                [a.requiresGrad ? g.sum(toShape: a.shape) : nil,
                 b.requiresGrad ? g.sum(toShape: b.shape) : nil]
            }
        }
        return out
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastOp("sub", a, b, Pointwise.Subtract())
        if recording(a, b) {
            out.record("sub", [a, b]) { g in
                [a.requiresGrad ? g.sum(toShape: a.shape) : nil,
                 b.requiresGrad ? (-g).sum(toShape: b.shape) : nil]
            }
        }
        return out
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastOp("mul", a, b, Pointwise.Multiply())
        if recording(a, b) {
            out.record("mul", [a, b]) { g in
                [a.requiresGrad ? (g * b).sum(toShape: a.shape) : nil,
                 b.requiresGrad ? (g * a).sum(toShape: b.shape) : nil]
            }
        }
        return out
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastOp("div", a, b, Pointwise.Divide())
        if recording(a, b) {
            out.record("div", [a, b]) { g in
                // d(a/b)/da = 1/b; d(a/b)/db = −a/b²
                [a.requiresGrad ? (g / b).sum(toShape: a.shape) : nil,
                 b.requiresGrad ? (-(g * a) / (b * b)).sum(toShape: b.shape) : nil]
            }
        }
        return out
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let out = a.map(Pointwise.Negate())
        if recording(a) { out.record("neg", [a]) { g in [-g] } }
        return out
    }

    // MARK: Scalars

    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = a.map(Pointwise.AddScalar(s: s))
        if recording(a) { out.record("add_scalar", [a]) { g in [g] } }
        return out
    }

    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    public static func - (s: Float, a: Tensor) -> Tensor {
        let out = a.map(Pointwise.SubtractFromScalar(s: s))
        if recording(a) { out.record("rsub_scalar", [a]) { g in [-g] } }
        return out
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = a.map(Pointwise.MultiplyScalar(s: s))
        if recording(a) { out.record("mul_scalar", [a]) { g in [g * s] } }
        return out
    }

    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = a.map(Pointwise.Reciprocal(s: s))
        if recording(a) {
            out.record("rdiv_scalar", [a]) { g in [g.zipMap(a, Pointwise.ReciprocalGradient(s: s))] }
        }
        return out
    }

    /// Sums this tensor down to `target`, a shape it was broadcast from (gradient of broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        if lead < 0 { shapeFailure(ShapeError("sum(toShape:): \(describe(shape)) cannot be reduced to \(describe(target))")) }
        var axes: [Int] = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        for (i, d) in target.enumerated() where d != 1 && shape[lead + i] != d {
            shapeFailure(ShapeError("sum(toShape:): \(describe(shape)) cannot be reduced to \(describe(target))"))
        }
        return sum(axes: axes).reshaped(target)
    }
}

extension Pointwise {
    struct Add: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Subtract: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Multiply: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Divide: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    struct Negate: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
    struct AddScalar: UnaryFunction {
        let s: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x + s }
    }
    struct SubtractFromScalar: UnaryFunction {
        let s: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { s - x }
    }
    struct MultiplyScalar: UnaryFunction {
        let s: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * s }
    }
    /// s / x and its gradient −s·g / x².
    struct Reciprocal: UnaryFunction {
        let s: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { s / x }
    }
    struct ReciprocalGradient: BinaryFunction {
        let s: Float
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { -s * g / (x * x) }
    }
}
