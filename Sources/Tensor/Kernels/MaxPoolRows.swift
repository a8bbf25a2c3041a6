// Row pass of the 3-wide, stride-2 max pool (ResNet's stem: 3×3/2, padding ≤ 1) on 16-lane
// vectors. The scalar row pass scans each output's window tap by tap with bounds checks and was
// 6–8% of a batch-64 r18 forward (perf, 128×64); here the row of column maxima, with −∞ written
// around it, is split into its even and odd positions once, and output ox is the in-order scan
// of even[ox], odd[ox], even[ox + 1] — 16 outputs per three selects.
//
// Same result bit for bit as the scalar scan ("take v if v > best or v is NaN", from the first
// valid tap): a −∞ tap in front never beats a valid one that follows it except where the scalar
// scan would take that one too (v > −∞, or NaN; a valid −∞ gives −∞ either way), and taps past
// the row are never taken (v > best fails for −∞). So ties keep the first tap and NaN the last
// NaN, as before (MaxPoolPathTests). `REIDKD_MAXPOOL=scalar` keeps the scalar pass (A/B runs).
import Foundation

enum MaxPoolRows {
    /// Whether 3-wide stride-2 pools take the vector row pass.
    nonisolated(unsafe) static var vector = ProcessInfo.processInfo.environment["REIDKD_MAXPOOL"] != "scalar"

    /// The vector pass applies: kernel 3, stride 2, no dilation, padding 0 or 1.
    static func applies(kernel: Int, stride: Int, padding: Int, dilation: Int) -> Bool {
        vector && kernel == 3 && stride == 2 && dilation == 1 && padding <= 1
    }

    /// Floats of the row buffer for a row of `w` inputs and `wo` outputs: the row itself at
    /// offset `padding` (at most 1), −∞ around it, and the even/odd halves with vector slack.
    static func bufferCount(w: Int, wo: Int) -> Int {
        let padded = roundUp(2 * wo + 2, 32) + 32
        return Swift.max(padded, w + 2) + 2 * (roundUp(wo + 1, 16) + 16)
    }

    private static func roundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

    /// Prepares a row buffer: all −∞ (the pass only ever writes the row's own w floats).
    static func prepare(_ buf: UnsafeMutablePointer<Float>, w: Int, wo: Int) {
        buf.update(repeating: -.infinity, count: bufferCount(w: w, wo: wo))
    }

    /// Where the column pass writes the row: buf + padding.
    @inline(__always)
    static func row(_ buf: UnsafeMutablePointer<Float>, padding: Int) -> UnsafeMutablePointer<Float> { buf + padding }

    /// dst[ox] for ox < wo from the row in `buf` (written at buf + padding, −∞ elsewhere).
    static func pool(_ buf: UnsafeMutablePointer<Float>, w: Int, wo: Int, _ dst: UnsafeMutablePointer<Float>) {
        let padded = roundUp(2 * wo + 2, 32) + 32
        let halves = roundUp(wo + 1, 16) + 16
        let even = buf + Swift.max(padded, w + 2), odd = even + halves
        // even[i] = cp[2i], odd[i] = cp[2i + 1] for i ≤ wo (cp = buf, −∞ past the row).
        var i = 0
        while i <= wo {
            let v = UnsafeRawPointer(buf + 2 * i).loadUnaligned(as: SIMD32<Float>.self)
            UnsafeMutableRawPointer(even + i).storeBytes(of: v.evenHalf, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(odd + i).storeBytes(of: v.oddHalf, as: SIMD16<Float>.self)
            i += 16
        }
        var ox = 0
        while ox < wo {
            var best = UnsafeRawPointer(even + ox).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(odd + ox).loadUnaligned(as: SIMD16<Float>.self)
            best.replace(with: b, where: (b .> best) .| (b .!= b))
            let c = UnsafeRawPointer(even + ox + 1).loadUnaligned(as: SIMD16<Float>.self)
            best.replace(with: c, where: (c .> best) .| (c .!= c))
            if ox + 16 <= wo {
                UnsafeMutableRawPointer(dst + ox).storeBytes(of: best, as: SIMD16<Float>.self)
            } else {
                for l in 0..<(wo - ox) { dst[ox + l] = best[l] }
            }
            ox += 16
        }
    }
}
