// Shapes are plain `[Int]`, row-major (last dimension innermost). Shape validation lives in
// throwing functions so the messages can be unit-tested; ops turn a failure into a fatal error
// naming the op and the shapes (a programming error, like an out-of-range index).

/// A shape error with a message that names the op and the offending shapes.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

@usableFromInline
func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// Stops the program with a readable message. Kept in every build configuration (unlike
/// `precondition` under -Ounchecked).
@inline(never)
public func shapeFailure(_ error: Error) -> Never {
    fatalError("ReidKD tensor error: \(error)")
}

/// Unwraps a shape computation or stops with its message.
@inline(__always)
public func checked<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { shapeFailure(error) }
}

public enum Shapes {
    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides (in elements).
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// NumPy broadcasting of two shapes.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String = "broadcast") throws -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw ShapeError("\(op): shapes \(describe(a)) and \(describe(b)) are not broadcastable (dimension \(i): \(da) vs \(db))")
            }
        }
        return out
    }

    /// Normalises possibly negative axes against `rank`; sorted, unique.
    public static func axes(_ axes: [Int], rank: Int, op: String) throws -> [Int] {
        var out: [Int] = []
        for a in axes {
            let r = a < 0 ? a + rank : a
            guard r >= 0 && r < rank else {
                throw ShapeError("\(op): axis \(a) is out of range for a tensor of rank \(rank)")
            }
            if !out.contains(r) { out.append(r) }
        }
        return out.sorted()
    }

    public static func axis(_ a: Int, rank: Int, op: String) throws -> Int {
        try axes([a], rank: rank, op: op)[0]
    }

    /// Resolves a reshape target with at most one -1.
    public static func reshape(_ from: [Int], to target: [Int]) throws -> [Int] {
        let total = count(from)
        var known = 1
        var infer: Int? = nil
        for (i, d) in target.enumerated() {
            if d == -1 {
                if infer != nil { throw ShapeError("reshape: more than one -1 in \(describe(target))") }
                infer = i
            } else if d < 0 {
                throw ShapeError("reshape: negative dimension in \(describe(target))")
            } else { known *= d }
        }
        var out = target
        if let i = infer {
            guard known > 0, total % known == 0 else {
                throw ShapeError("reshape: cannot reshape \(describe(from)) (\(total) elements) into \(describe(target))")
            }
            out[i] = total / known
        }
        guard count(out) == total else {
            throw ShapeError("reshape: cannot reshape \(describe(from)) (\(total) elements) into \(describe(target)) (\(count(out)) elements)")
        }
        return out
    }
}
