// Batch norm over channel axis 1 of (N, C), (N, C, L) or (N, C, H, W) and instance norm 2d.
// Element (n, c, s) sits at n·C·S + c·S + s, with S the spatial size (1 for BatchNorm1d).
// Training: batch statistics (biased variance for normalising), running averages updated with
// PyTorch's convention r ← (1 − m)·r + m·batch (unbiased variance). Eval: running statistics.
// Backward (training), per channel with M = N·S and x̂ = (x − μ)·σ⁻¹:
//   dβ = Σ g,  dγ = Σ g·x̂,  dx = γ·σ⁻¹·(g − dβ/M − x̂·dγ/M).
// Channels are independent and split across workers.
// `relu: true` fuses a ReLU into the same pass (ResNet's bn → relu): forward writes max(ŷ, 0);
// backward gates the incoming gradient by y > 0 inside its two passes, exactly what a separate
// relu() would hand back, without that op's two extra sweeps over the activation and its buffers.
// A finite `reluMax` caps it (MobileNetV2's bn → ReLU6): min(max(ŷ, 0), reluMax), gradient where
// 0 < y < reluMax (PyTorch's hardtanh backward).
import Foundation

/// Batch normalisation. `weight`/`bias` (C) are optional (affine = false); a bias with
/// requiresGrad = false stays frozen (BNNeck). Running statistics (C) are updated in place in
/// training mode when given.
public func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?,
                      training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false,
                      reluMax: Float = .infinity) -> Tensor {
    guard x.rank >= 2 else { shapeFailure(ShapeError("batchNorm: input must be (N, C, …), got \(describe(x.shape))")) }
    let n = x.shape[0], c = x.shape[1], s = x.count / Swift.max(n * c, 1)
    for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
        if let t = t, t.shape != [c] {
            shapeFailure(ShapeError("batchNorm: \(name) \(describe(t.shape)) does not match \(c) channels of input \(describe(x.shape))"))
        }
    }
    if !training && (runningMean == nil || runningVar == nil) {
        shapeFailure(ShapeError("batchNorm: eval mode needs running statistics"))
    }
    let m = n * s
    if training && m <= 1 {
        shapeFailure(ShapeError("batchNorm: training needs more than one value per channel, input is \(describe(x.shape))"))
    }
    let mean = Tensor.empty([c]), invstd = Tensor.empty([c])
    let xp = x.pointer, mp = mean.pointer, ip = invstd.pointer
    if training {
        Parallel.forRange(c, grain: Swift.max(1, 16_384 / Swift.max(m, 1))) { range in
            // Image-major over the range's channels (one contiguous run per image) rather than
            // channel-major (n runs c·s floats apart per channel): each channel still sums its
            // planes in image order, so the bits are the same.
            var sums = [Double](repeating: 0, count: range.count), sqs = sums
            for i in 0..<n {
                for ch in range { sums[ch - range.lowerBound] += Double(sumRun(xp + i * c * s + ch * s, s)) }
            }
            let mus = sums.map { Float($0 / Double(m)) }
            for i in 0..<n {
                for ch in range {
                    sqs[ch - range.lowerBound] += Double(sumSquaredDeviation(xp + i * c * s + ch * s, s, mu: mus[ch - range.lowerBound]))
                }
            }
            for ch in range {
                let muF = mus[ch - range.lowerBound]
                let sq = sqs[ch - range.lowerBound]
                let variance = sq / Double(m)
                mp[ch] = muF
                ip[ch] = Float(1 / (variance + Double(eps)).squareRoot())
                if let rm = runningMean, let rv = runningVar {
                    rm.pointer[ch] = (1 - momentum) * rm.pointer[ch] + momentum * muF
                    rv.pointer[ch] = (1 - momentum) * rv.pointer[ch] + momentum * Float(sq / Double(m - 1))
                }
            }
        }
    } else {
        for ch in 0..<c {
            mp[ch] = runningMean!.pointer[ch]
            ip[ch] = 1 / (runningVar!.pointer[ch] + eps).squareRoot()
        }
    }
    let y = Tensor.empty(x.shape)
    let yp = y.pointer, wp = weight?.pointer, bp = bias?.pointer
    Parallel.forRange(n * c, grain: Swift.max(1, 32_768 / Swift.max(s, 1))) { range in
        for plane in range {
            let ch = plane % c
            // The eval map is batchNormEvalAffine's (ConvEpilogue.swift), which the fused
            // conv epilogue shares, so the two give the same bits.
            let scale = ip[ch] * (wp?[ch] ?? 1)
            let shift = (bp?[ch] ?? 0) - mp[ch] * scale
            channelAffine(xp + plane * s, yp + plane * s, s, scale: scale, shift: shift, relu: relu, reluMax: reluMax)
        }
    }
    // The fused ReLU's gate reads the output itself (a detached view: no reference cycle); the
    // next layer keeps that buffer alive anyway.
    let gate: Tensor? = relu ? y.detached() : nil
    var inputs = [x]
    if let w = weight { inputs.append(w) }
    if let b = bias { inputs.append(b) }
    if Tensor.recording(inputs) {
        let name = relu ? (reluMax.isFinite ? "batch_norm_relu_capped" : "batch_norm_relu") : "batch_norm"
        y.record(training ? name : name + "_eval", inputs) { g0 in
            // With the fused ReLU, the first pass also writes the gated gradient (g0 where y > 0,
            // else 0) into `gated`, which the second pass then turns into dx in place.
            let gated: Tensor? = gate == nil ? nil : Tensor.empty(x.shape)
            let g0p = g0.pointer, yp = gate?.pointer, gtp = gated?.pointer
            let gp = UnsafePointer(gtp ?? g0p)
            // Pointers are taken from the captured tensors here, so the saved statistics live as
            // long as the graph node.
            let xp = x.pointer, mp = mean.pointer, ip = invstd.pointer
            let wp = weight?.pointer
            let dgamma = Tensor.empty([c]), dbeta = Tensor.empty([c])
            let dgp = dgamma.pointer, dbp = dbeta.pointer
            Parallel.forRange(c, grain: Swift.max(1, 16_384 / Swift.max(m, 1))) { range in
                // Image-major, as the forward's statistics (same per-channel order, same bits).
                var sg = [Float](repeating: 0, count: range.count), sgx = sg
                for i in 0..<n {
                    for ch in range {
                        let off = i * c * s + ch * s, mu = mp[ch], iv = ip[ch]
                        let xq = xp + off
                        let (a, b) = (yp != nil && gtp != nil)
                            ? gatedGradientSums(g0p + off, yp! + off, xq, gtp! + off, s, mu: mu, cap: reluMax)
                            : gradientSums(g0p + off, xq, s, mu: mu)
                        sg[ch - range.lowerBound] += a; sgx[ch - range.lowerBound] += b * iv
                    }
                }
                for ch in range { dbp[ch] = sg[ch - range.lowerBound]; dgp[ch] = sgx[ch - range.lowerBound] }
            }
            var gx: Tensor? = nil
            if x.requiresGrad {
                let out = gated ?? Tensor.empty(x.shape)   // in place over the gated gradient
                let op = out.pointer
                let invM = 1 / Float(m)
                Parallel.forRange(n * c, grain: Swift.max(1, 32_768 / Swift.max(s, 1))) { range in
                    for plane in range {
                        let ch = plane % c
                        let gamma = wp?[ch] ?? 1, iv = ip[ch], mu = mp[ch]
                        let src = gp + plane * s, xq = xp + plane * s, dst = op + plane * s
                        if training {
                            let k = gamma * iv, mb = dbp[ch] * invM, mg = dgp[ch] * invM
                            for j in 0..<s {
                                let xhat = (xq[j] - mu) * iv
                                dst[j] = k * (src[j] - mb - xhat * mg)
                            }
                        } else {
                            let k = gamma * iv
                            for j in 0..<s { dst[j] = k * src[j] }
                        }
                    }
                }
                gx = out
            }
            var grads: [Tensor?] = [gx]
            if let w = weight { grads.append(w.requiresGrad ? dgamma : nil) }
            if let b = bias { grads.append(b.requiresGrad ? dbeta : nil) }
            return grads
        }
    }
    return y
}

/// Instance normalisation of (N, C, H, W): each (n, c) plane normalised by its own statistics
/// (train and eval alike), then an optional per-channel affine. Composed from `batchNorm` on the
/// (1, N·C, H, W) view, so it shares that op's gradient.
public func instanceNorm2d(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
    guard x.rank == 4 else { shapeFailure(ShapeError("instanceNorm2d: input must be NCHW, got \(describe(x.shape))")) }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var y = batchNorm(x.reshaped([1, n * c, h, w]), runningMean: nil, runningVar: nil, weight: nil, bias: nil,
                      training: true, eps: eps).reshaped([n, c, h, w])
    if let wt = weight { y = y * wt.reshaped([1, c, 1, 1]) }
    if let b = bias { y = y + b.reshaped([1, c, 1, 1]) }
    return y
}

/// Inverted dropout: zeroes each element with probability p and scales survivors by 1/(1−p).
/// Identity when not training or p = 0.
public func dropout(_ x: Tensor, p: Float, training: Bool, rng: inout RandomGenerator) -> Tensor {
    guard training && p > 0 else { return x }
    guard p < 1 else { return x * 0 }
    let mask = Tensor.empty(x.shape)
    let mp = mask.pointer, keep = 1 / (1 - p)
    for i in 0..<mask.count { mp[i] = rng.uniform() < p ? 0 : keep }
    return x * mask
}
