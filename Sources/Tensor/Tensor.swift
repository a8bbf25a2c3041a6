// Tensor: float32, contiguous, row-major; images are NCHW. A tensor owns (or shares, for
// reshapes) one `Storage`. Tensors created by ops while gradients are being recorded carry a
// `GradFn` that knows how to push a gradient back to the op's inputs (see Autograd.swift).

/// A float32 tensor with optional reverse-mode gradient tracking.
open class Tensor: CustomStringConvertible, @unchecked Sendable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The data: `count` floats in row-major order.
    public let storage: Storage
    /// Whether gradients flow to (leaf) or through (op result) this tensor.
    public var requiresGrad: Bool
    /// Accumulated gradient of a leaf tensor after `backward()`.
    public var grad: Tensor?
    /// The op that produced this tensor while recording; nil for leaves and after backward.
    var gradFn: GradFn?

    public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        let n = Shapes.count(shape)
        if storage.count != n || shape.contains(where: { $0 < 0 }) {
            shapeFailure(ShapeError("Tensor: shape \(describe(shape)) needs \(n) elements, storage holds \(storage.count)"))
        }
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
        storage.tensorCount += 1
    }

    /// A tensor holding `scalars` (row-major) with the given shape.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        if Shapes.count(shape) != scalars.count {
            shapeFailure(ShapeError("Tensor: shape \(describe(shape)) needs \(Shapes.count(shape)) values, got \(scalars.count)"))
        }
        self.init(shape: shape, storage: Storage(scalars), requiresGrad: requiresGrad)
    }

    /// A 0-d tensor.
    public convenience init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A 1-d tensor.
    public convenience init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// Uninitialised tensor; the caller writes every element.
    public static func empty(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: Storage(count: Shapes.count(shape)))
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: Storage(zeros: Shapes.count(shape)), requiresGrad: requiresGrad)
    }

    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = empty(shape)
        t.storage.pointer.update(repeating: value, count: t.count)
        return t
    }

    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// Values 0, 1, …, n-1.
    public static func arange(_ n: Int) -> Tensor {
        Tensor(shape: [n], scalars: (0..<n).map(Float.init))
    }

    /// Samples from N(mean, std²).
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let t = empty(shape)
        rng.fillNormal(t.storage.buffer, mean: mean, std: std)
        return t
    }

    /// Samples from U[low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomGenerator) -> Tensor {
        let t = empty(shape)
        rng.fillUniform(t.storage.buffer, low: low, high: high)
        return t
    }

    // MARK: Inspection

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var scalars: [Float] { storage.toArray() }
    /// True when this tensor was produced by a recorded op (it is not a leaf).
    public var hasGradFn: Bool { gradFn != nil }
    /// Name of the op that produced this tensor, for debugging.
    public var gradFnName: String? { gradFn?.name }

    /// The single value of a one-element tensor.
    public func item() -> Float {
        if count != 1 { shapeFailure(ShapeError("item: tensor of shape \(describe(shape)) has \(count) elements, expected 1")) }
        return storage.pointer[0]
    }

    /// Element at a multi-index (slow; for tests and small inspections).
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set { storage.pointer[flatIndex(index)] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        if index.count != rank { shapeFailure(ShapeError("subscript: \(index.count) indices for shape \(describe(shape))")) }
        var flat = 0
        for (i, (x, d)) in zip(index, shape).enumerated() {
            if x < 0 || x >= d { shapeFailure(ShapeError("subscript: index \(x) out of range for dimension \(i) of \(describe(shape))")) }
            flat = flat * d + x
        }
        return flat
    }

    /// A tensor sharing this one's data but cut from the graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A deep copy with its own storage, cut from the graph.
    public func copy() -> Tensor {
        let t = Tensor.empty(shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// Overwrites this tensor's data with `other`'s (same element count). Not recorded.
    public func assign(_ other: Tensor) {
        if other.count != count { shapeFailure(ShapeError("assign: \(describe(other.shape)) into \(describe(shape))")) }
        pointer.update(from: other.pointer, count: count)
    }

    public var description: String {
        let vals = count <= 16 ? scalars.map { String($0) }.joined(separator: ", ")
                               : scalars.prefix(8).map { String($0) }.joined(separator: ", ") + ", …"
        return "Tensor(\(describe(shape)): [\(vals)]\(gradFn.map { ", grad_fn=\($0.name)" } ?? ""))"
    }
}

/// A trainable tensor: a leaf that requires gradients unless frozen. Models hold their weights as
/// parameters; optimizers update them in place.
public final class Parameter: Tensor, @unchecked Sendable {
    /// Creates a parameter with a copy of `tensor`'s values.
    public init(_ tensor: Tensor, frozen: Bool = false) {
        let s = Storage(count: tensor.count)
        s.pointer.update(from: tensor.pointer, count: tensor.count)
        super.init(shape: tensor.shape, storage: s, requiresGrad: !frozen)
    }

    /// A frozen parameter receives no gradient and is skipped by optimizers.
    public var isFrozen: Bool {
        get { !requiresGrad }
        set { requiresGrad = !newValue; if newValue { grad = nil } }
    }
}
