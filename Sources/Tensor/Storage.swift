// Storage: one contiguous, 64-byte aligned buffer of Float32 owned by a tensor (or shared by
// views such as `reshaped`). Large buffers come from a size-class cache so that a training loop,
// which allocates the same activation sizes every step, reuses memory instead of paying fresh
// page faults (glibc maps every block above 32 MiB anew) — and peak RSS stays flat.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public final class Storage: @unchecked Sendable {
    /// Base address (64-byte aligned). Valid for `capacity` floats.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of floats requested by the owner.
    public let count: Int
    /// Floats actually allocated (size class), ≥ count.
    let capacity: Int
    /// How many tensors were ever created on this storage (never decremented). 1 means no view
    /// shares it, which lets backward hand a fresh gradient to a leaf without copying it. Not
    /// atomic, and need not be: the first tensor is made before the storage can reach another
    /// thread, so any later increment, even a racing one, leaves a value ≥ 2.
    var tensorCount = 0

    /// Uninitialised storage for `count` floats. Every op writes all of its output.
    public init(count: Int) {
        self.count = count
        let (p, cap) = BufferCache.shared.take(count)
        pointer = p
        capacity = cap
    }

    /// Zero-filled storage.
    public convenience init(zeros count: Int) {
        self.init(count: count)
        pointer.update(repeating: 0, count: count)
    }

    /// Storage holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { BufferCache.shared.give(pointer, capacity: capacity) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }
    public func toArray() -> [Float] { Array(buffer) }
}

/// Size-class cache for float buffers. Buffers below `minCachedFloats` go straight to the system
/// allocator; larger ones are rounded up to one of 4 classes per power of two (≤ 19% waste) and
/// parked on a free list when released, up to `limitBytes` in total.
public final class BufferCache: @unchecked Sendable {
    public static let shared = BufferCache()

    static let minCachedFloats = 16_384  // 64 KiB
    /// Upper bound on bytes parked in free lists (not counting live buffers).
    public var limitBytes: Int {
        get { lock.lock(); defer { lock.unlock() }; return _limit }
        set { lock.lock(); _limit = newValue; lock.unlock(); trim() }
    }

    private var _limit = 4 << 30
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0
    private let lock = NSLock()

    /// Statistics for tests and benchmarks.
    public private(set) var hits = 0
    public private(set) var misses = 0
    public var parkedBytes: Int { lock.lock(); defer { lock.unlock() }; return cachedBytes }

    static func sizeClass(_ n: Int) -> Int {
        if n < minCachedFloats { return max(n, 1) }
        // Round up to m·2^e with m ∈ {4,5,6,7}: four classes per octave.
        let e = (Int.bitWidth - (n - 1).leadingZeroBitCount) - 3
        let step = 1 << e
        return (n + step - 1) / step * step
    }

    func take(_ n: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let cap = Self.sizeClass(n)
        if cap >= Self.minCachedFloats {
            lock.lock()
            if var list = free[cap], let p = list.popLast() {
                free[cap] = list
                cachedBytes -= cap * 4
                hits += 1
                lock.unlock()
                return (p, cap)
            }
            misses += 1
            lock.unlock()
        }
        var raw: UnsafeMutableRawPointer?
        let rc = posix_memalign(&raw, 64, cap * MemoryLayout<Float>.stride)
        guard rc == 0, let r = raw else {
            fatalError("Storage: out of memory allocating \(cap * 4) bytes")
        }
        return (r.bindMemory(to: Float.self, capacity: cap), cap)
    }

    func give(_ p: UnsafeMutablePointer<Float>, capacity cap: Int) {
        if cap >= Self.minCachedFloats {
            lock.lock()
            if cachedBytes + cap * 4 <= _limit {
                free[cap, default: []].append(p)
                cachedBytes += cap * 4
                lock.unlock()
                return
            }
            lock.unlock()
        }
        Foundation.free(p)
    }

    /// Return every parked buffer to the system.
    public func releaseAll() {
        lock.lock()
        let lists = free
        free = [:]
        cachedBytes = 0
        lock.unlock()
        for (_, list) in lists { for p in list { Foundation.free(p) } }
    }

    private func trim() {
        lock.lock()
        var victims: [UnsafeMutablePointer<Float>] = []
        while cachedBytes > _limit, let key = free.keys.max(), var list = free[key], let p = list.popLast() {
            free[key] = list.isEmpty ? nil : list
            cachedBytes -= key * 4
            victims.append(p)
        }
        lock.unlock()
        for p in victims { Foundation.free(p) }
    }
}
