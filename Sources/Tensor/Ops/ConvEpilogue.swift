// An eval-mode BatchNorm (and the ReLU or ReLU6 after it) applied to a convolution's output
// while that output is still in cache, instead of as a separate pass over the whole tensor. In
// a frozen forward (eval mode, nothing recorded) BN is a fixed per-channel map v·scale + shift;
// the conv kernels apply it right after each chunk's GEMM, Winograd output transform or
// depthwise pass. `scale`, `shift` and the per-value arithmetic are exactly batchNorm's eval
// pass (`channelAffine`, shared), so the fused output equals conv → BN → ReLU bit for bit; the
// weights are not touched (no folding, nothing cached, nothing to invalidate).
import Foundation

/// Per output channel: v ← v·scale + shift, then, with `relu`, min(max(v, 0), reluMax).
public struct ConvEpilogue: Sendable {
    public let scale: [Float], shift: [Float]
    public let relu: Bool, reluMax: Float

    /// Whether layers fuse eval-mode BN into the conv (REIDKD_FUSE=0 turns it off, for A/B runs).
    nonisolated(unsafe) public static var fusing = ProcessInfo.processInfo.environment["REIDKD_FUSE"] != "0"

    /// An eval-mode BatchNorm's map (running statistics; weight and bias optional, as batchNorm).
    public init(runningMean: Tensor, runningVar: Tensor, weight: Tensor?, bias: Tensor?, eps: Float,
                relu: Bool = false, reluMax: Float = .infinity) {
        let c = runningMean.count
        // Pointers hoisted: `Tensor.pointer` per channel retains and releases (15% of a batch-1
        // MobileNetV2 forward when it was in the loop). The loops are batchNormEvalAffine's
        // operations one at a time over all channels, so they vectorise (sqrt and division are
        // correctly rounded: the same bits); per channel they were 14% of that forward (perf).
        let mp = runningMean.pointer, vp = runningVar.pointer
        var s = [Float](repeating: 0, count: c), t = s
        s.withUnsafeMutableBufferPointer { sb in
        t.withUnsafeMutableBufferPointer { tb in
            let sp = sb.baseAddress!, tp = tb.baseAddress!
            // In SIMD8 (vsqrtps): the scalar .squareRoot() carries a branch to sqrtf for
            // negative inputs that keeps the loop from vectorising.
            var ch = 0
            while ch + 8 <= c {
                let v = UnsafeRawPointer(vp + ch).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(sp + ch).storeBytes(of: 1 / (v + eps).squareRoot(), as: SIMD8<Float>.self)
                ch += 8
            }
            while ch < c { sp[ch] = 1 / (vp[ch] + eps).squareRoot(); ch += 1 }
            if let wp = weight?.pointer { for i in 0..<c { sp[i] = sp[i] * wp[i] } }
            if let bp = bias?.pointer {
                for i in 0..<c { tp[i] = bp[i] - mp[i] * sp[i] }
            } else {
                for i in 0..<c { tp[i] = 0 - mp[i] * sp[i] }
            }
        }
        }
        scale = s; shift = t; self.relu = relu; self.reluMax = reluMax
    }

    /// Applies the map of channel `ch` to `count` values in place.
    @inline(__always)
    func apply(_ v: UnsafeMutablePointer<Float>, _ count: Int, channel ch: Int) {
        channelAffineInPlace(v, count, scale: scale[ch], shift: shift[ch], relu: relu, reluMax: reluMax)
    }

    /// Applies it to images b0 ..< b0+count of an (N, C, S) tensor.
    func apply(_ y: UnsafeMutablePointer<Float>, images b0: Int, count: Int, channels c: Int, plane s: Int) {
        for b in b0..<(b0 + count) { for ch in 0..<c { apply(y + (b * c + ch) * s, s, channel: ch) } }
    }
}

/// batchNorm's eval-mode scale and shift of one channel.
@inline(__always)
func batchNormEvalAffine(mean: Float, variance: Float, weight: Float?, bias: Float?, eps: Float) -> (scale: Float, shift: Float) {
    let invstd = 1 / (variance + eps).squareRoot()
    let scale = invstd * (weight ?? 1)
    return (scale, (bias ?? 0) - mean * scale)
}

/// dst[j] = src[j]·scale + shift, then with `relu` clamped to [0, reluMax] (src may be dst).
@inline(__always)
func channelAffine(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int,
                   scale: Float, shift: Float, relu: Bool, reluMax: Float) {
    if relu {
        // min(v, ∞) is v itself: one loop serves ReLU and the capped ReLU.
        for j in 0..<count { let v = src[j] * scale + shift; dst[j] = v > 0 ? Swift.min(v, reluMax) : 0 }
    } else {
        for j in 0..<count { dst[j] = src[j] * scale + shift }
    }
}

/// channelAffine with src = dst, written with one pointer: the two-pointer loop's overlap check
/// fails when they are equal and sends it down the scalar loop. Same operations per value.
@inline(__always)
func channelAffineInPlace(_ v: UnsafeMutablePointer<Float>, _ count: Int, scale: Float, shift: Float, relu: Bool, reluMax: Float) {
    if relu {
        for j in 0..<count { let u = v[j] * scale + shift; v[j] = u > 0 ? Swift.min(u, reluMax) : 0 }
    } else {
        for j in 0..<count { v[j] = v[j] * scale + shift }
    }
}

/// conv2d followed by `epilogue` (an eval-mode BatchNorm and its ReLU), for forwards that record
/// nothing: the map runs on each chunk of the output while it is in cache.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, options: Conv2dOptions = .init(),
                   epilogue: ConvEpilogue) -> Tensor {
    var inputs = [x, weight]
    if let b = bias { inputs.append(b) }
    precondition(!Tensor.recording(inputs), "conv2d with an epilogue records no gradient: use conv2d then batchNorm")
    let plan = checked { try ConvPlan.make(x: x.shape, weight: weight.shape, bias: bias?.shape, options: options) }
    precondition(epilogue.scale.count == plan.cout, "conv2d epilogue: \(epilogue.scale.count) channels for \(plan.cout) outputs")
    let y = Tensor.empty([plan.n, plan.cout, plan.ho, plan.wo])
    if usesDepthwiseChannels(plan) {
        depthwiseChannelsForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer, epilogue: epilogue)
    } else if plan.isDepthwise {
        if usesDepthwiseLanes(plan) {
            depthwiseLanesForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer)
        } else {
            depthwiseForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer)
        }
        // The depthwise kernels write the output in their own order: one pass after, per plane.
        let s = plan.hwo, yp = y.pointer
        Parallel.forRange(plan.n * plan.cout, grain: Swift.max(1, 32_768 / Swift.max(s, 1))) { planes in
            for pl in planes { epilogue.apply(yp + pl * s, s, channel: pl % plan.cout) }
        }
    } else if usesPointwiseEpilogue(plan, hasBias: bias != nil) {
        pointwiseEpilogueForward(plan, x.pointer, weight.pointer, y.pointer, epilogue)
    } else if plan.isWinograd {
        winogradForward(plan, x.pointer, winogradWeights(plan, weight.pointer), bias?.pointer, y.pointer, epilogue: epilogue)
    } else {
        convForward(plan, x.pointer, weight.pointer, bias?.pointer, y.pointer, epilogue: epilogue)
    }
    return y
}
