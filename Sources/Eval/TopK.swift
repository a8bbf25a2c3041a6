// Partial selection of the k smallest (value, index) pairs of a stream offered in index order:
// a sorted buffer of k entries; a value enters only if strictly smaller than the current k-th,
// so on equal values the earlier index wins (a stable sort's order) and most offers cost one compare.

struct TopK {
    let capacity: Int
    var values: [Float]
    var indices: [Int32]
    var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        values = [Float](repeating: .infinity, count: capacity)
        indices = [Int32](repeating: -1, count: capacity)
    }

    mutating func reset() { count = 0 }

    @inline(__always) mutating func offer(_ v: Float, _ j: Int) {
        if count == capacity {
            if !(v < values[capacity - 1]) { return }
        } else {
            count += 1
        }
        var p = count - 1
        while p > 0 && v < values[p - 1] {
            values[p] = values[p - 1]; indices[p] = indices[p - 1]; p -= 1
        }
        values[p] = v; indices[p] = Int32(j)
    }

    func write(to out: UnsafeMutablePointer<Int32>) {
        for t in 0..<count { out[t] = indices[t] }
    }
}
