// The augmentation pipeline. Each augmented sample is a pure function of (seed, epoch, sample
// index): its random draws come from RandomGenerator(seed:, key: [epoch, index]), so a run can be
// reproduced and a teacher's outputs cached per augmented sample.
// Order (FastReID): resize → pad + random crop → flip → colour jitter → random erasing →
// normalise. Erasing fills with the mean colour, i.e. 0 after normalisation, as FastReID does.
import Foundation
import Tensor

public struct TransformPipeline: Sendable {
    public let config: AugmentConfig
    public let seed: UInt64

    public init(_ config: AugmentConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        self.seed = seed
    }

    /// Resize to the input size — the deterministic part, which the loader caches.
    public func resize(_ img: RGBImage) -> RGBImage {
        Resize.bilinear(img, height: config.height, width: config.width)
    }

    /// Floats per sample (3·H·W).
    public var sampleCount: Int { 3 * config.height * config.width }

    /// Writes the augmented sample, CHW float32, into `dst` (3·H·W floats). `img` must already
    /// be at the input size (see `resize`).
    public func apply(_ img: RGBImage, epoch: Int, sampleIndex: Int, into dst: UnsafeMutablePointer<Float>) {
        let c = config, H = c.height, W = c.width, plane = H * W
        precondition(img.height == H && img.width == W, "TransformPipeline.apply: image is \(img.height)×\(img.width), resize it to \(H)×\(W) first")
        var rng = RandomGenerator(seed: seed, key: [UInt64(bitPattern: Int64(epoch)), UInt64(bitPattern: Int64(sampleIndex))])
        // Geometry: crop offset in the padded image and flip, as one source-index map.
        let oy = c.padding > 0 ? rng.int(below: 2 * c.padding + 1) - c.padding : 0
        let ox = c.padding > 0 ? rng.int(below: 2 * c.padding + 1) - c.padding : 0
        let flip = c.flipProb > 0 && rng.bernoulli(c.flipProb)
        img.pixels.withUnsafeBufferPointer { s in
            for y in 0..<H {
                let sy = y + oy
                for x in 0..<W {
                    let sx = (flip ? W - 1 - x : x) + ox
                    let o = y * W + x
                    if sy < 0 || sy >= H || sx < 0 || sx >= W {
                        dst[o] = 0; dst[plane + o] = 0; dst[2 * plane + o] = 0
                    } else {
                        let i = 3 * (sy * W + sx)
                        dst[o] = Float(s[i]); dst[plane + o] = Float(s[i + 1]); dst[2 * plane + o] = Float(s[i + 2])
                    }
                }
            }
        }
        if c.jitterProb > 0 && rng.bernoulli(c.jitterProb) { jitter(dst, plane: plane, rng: &rng) }
        if c.erasingProb > 0 && rng.bernoulli(c.erasingProb) { erase(dst, rng: &rng) }
        for ch in 0..<3 {
            let scale = c.normalize ? 1 / (255 * c.std[ch]) : 1 / 255
            let shift = c.normalize ? -c.mean[ch] / c.std[ch] : 0
            let p = dst + ch * plane
            for i in 0..<plane { p[i] = p[i] * scale + shift }
        }
    }

    /// The augmented sample as a [3, H, W] tensor.
    public func tensor(_ img: RGBImage, epoch: Int = 0, sampleIndex: Int = 0) -> Tensor {
        let t = Tensor.empty([3, config.height, config.width])
        apply(img.width == config.width && img.height == config.height ? img : resize(img),
              epoch: epoch, sampleIndex: sampleIndex, into: t.pointer)
        return t
    }

    /// Brightness, contrast, saturation (torchvision's factor definitions; fixed order), on 0…255.
    func jitter(_ p: UnsafeMutablePointer<Float>, plane: Int, rng: inout RandomGenerator) {
        let c = config
        let b = 1 + rng.uniform(-c.brightness, c.brightness)
        let k = 1 + rng.uniform(-c.contrast, c.contrast)
        let s = 1 + rng.uniform(-c.saturation, c.saturation)
        func clamp(_ v: Float) -> Float { min(255, max(0, v)) }
        var meanGray: Float = 0
        for i in 0..<plane {
            for ch in 0..<3 { p[ch * plane + i] = clamp(p[ch * plane + i] * b) }
            meanGray += 0.299 * p[i] + 0.587 * p[plane + i] + 0.114 * p[2 * plane + i]
        }
        meanGray /= Float(plane)
        for i in 0..<plane {
            for ch in 0..<3 { p[ch * plane + i] = clamp(p[ch * plane + i] * k + meanGray * (1 - k)) }
            let g = 0.299 * p[i] + 0.587 * p[plane + i] + 0.114 * p[2 * plane + i]
            for ch in 0..<3 { p[ch * plane + i] = clamp(p[ch * plane + i] * s + g * (1 - s)) }
        }
    }

    /// Random erasing (Zhong et al.; torchvision's sampling: area uniform, aspect log-uniform,
    /// up to 10 attempts). Fills with the mean colour.
    func erase(_ p: UnsafeMutablePointer<Float>, rng: inout RandomGenerator) {
        let c = config, H = c.height, W = c.width, plane = H * W
        let logLo = log(c.erasingAspect.lowerBound), logHi = log(c.erasingAspect.upperBound)
        for _ in 0..<10 {
            let area = rng.uniform(c.erasingArea.lowerBound, c.erasingArea.upperBound) * Float(plane)
            let ratio = exp(rng.uniform(logLo, logHi))
            let h = Int((area * ratio).squareRoot().rounded()), w = Int((area / ratio).squareRoot().rounded())
            guard h >= 1, w >= 1, h < H, w < W else { continue }
            let y0 = rng.int(below: H - h + 1), x0 = rng.int(below: W - w + 1)
            for ch in 0..<3 {
                let fill = c.mean[ch] * 255
                for y in y0..<(y0 + h) { for x in x0..<(x0 + w) { p[ch * plane + y * W + x] = fill } }
            }
            return
        }
    }
}
