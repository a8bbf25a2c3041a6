// Numerically stable softmax and log-softmax along one axis (max subtracted first).
// Backward: softmax  dx = y·(g − Σ g·y);  log-softmax  dx = g − softmax·Σ g.
// A non-last axis is moved last, processed as rows, and moved back.
import Foundation

extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor { softmaxImpl(axis: axis, log: false) }
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxImpl(axis: axis, log: true) }

    private func softmaxImpl(axis: Int, log: Bool) -> Tensor {
        let ax = checked { try Shapes.axis(axis, rank: rank, op: log ? "logSoftmax" : "softmax") }
        if ax != rank - 1 {
            var perm = Array(0..<rank); perm.remove(at: ax); perm.append(ax)
            var inverse = [Int](repeating: 0, count: rank)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            return permuted(perm).softmaxImpl(axis: -1, log: log).permuted(inverse)
        }
        let len = shape[rank - 1], rows = count / Swift.max(len, 1)
        let out = Tensor.empty(shape)
        let xp = pointer, yp = out.pointer
        Parallel.forRange(rows, grain: Swift.max(1, 16_384 / Swift.max(len, 1))) { range in
            for r in range {
                let src = xp + r * len, dst = yp + r * len
                var mx = -Float.infinity
                for j in 0..<len { mx = Swift.max(mx, src[j]) }
                var sum: Float = 0
                for j in 0..<len { let e = Foundation.exp(src[j] - mx); dst[j] = e; sum += e }
                if log {
                    let lse = mx + Foundation.log(sum)
                    for j in 0..<len { dst[j] = src[j] - lse }
                } else {
                    let inv = 1 / sum
                    for j in 0..<len { dst[j] *= inv }
                }
            }
        }
        if Tensor.recording(self) {
            let y = out.detached()
            out.record(log ? "log_softmax" : "softmax", [self]) { g in
                let gx = Tensor.empty(y.shape)
                let gp = g.pointer, yq = y.pointer, dp = gx.pointer
                Parallel.forRange(rows, grain: Swift.max(1, 16_384 / Swift.max(len, 1))) { range in
                    for r in range {
                        let gr = gp + r * len, yr = yq + r * len, dr = dp + r * len
                        if log {
                            var s: Float = 0
                            for j in 0..<len { s += gr[j] }
                            for j in 0..<len { dr[j] = gr[j] - Foundation.exp(yr[j]) * s }
                        } else {
                            var s: Float = 0
                            for j in 0..<len { s += gr[j] * yr[j] }
                            for j in 0..<len { dr[j] = yr[j] * (gr[j] - s) }
                        }
                    }
                }
                return [gx]
            }
        }
        return out
    }
}
