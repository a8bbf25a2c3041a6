// The augmentation pipeline. Each augmented sample is a pure function of (seed, epoch, sample
// index): its random draws come from RandomGenerator(seed:, key: [epoch, index]), so a run can be
// reproduced and a teacher's outputs cached per augmented sample.
// Order (FastReID): resize → pad + random crop → flip → colour jitter → random erasing →
// normalise. Padding fills by INPUT.PADDING.MODE; erasing fills with INPUT.REA.VALUE (the
// ImageNet mean colour by default, as FastReID).
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
            let mode = c.paddingMode
            for y in 0..<H {
                let py = mode.source(y + oy, H)
                for x in 0..<W {
                    let px = mode.source((flip ? W - 1 - x : x) + ox, W)
                    let o = y * W + x
                    guard let sy = py, let sx = px else {
                        dst[o] = 0; dst[plane + o] = 0; dst[2 * plane + o] = 0
                        continue
                    }
                    let i = 3 * (sy * W + sx)
                    dst[o] = Float(s[i]); dst[plane + o] = Float(s[i + 1]); dst[2 * plane + o] = Float(s[i + 2])
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

    /// Brightness, contrast, saturation, hue (torchvision's factor definitions; fixed order,
    /// where torchvision permutes them), on 0…255.
    func jitter(_ p: UnsafeMutablePointer<Float>, plane: Int, rng: inout RandomGenerator) {
        let c = config
        let b = 1 + rng.uniform(-c.brightness, c.brightness)
        let k = 1 + rng.uniform(-c.contrast, c.contrast)
        let s = 1 + rng.uniform(-c.saturation, c.saturation)
        let h = c.hue > 0 ? rng.uniform(-c.hue, c.hue) : 0
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
            if h != 0 { TransformPipeline.shiftHue(p + i, plane: plane, by: h) }
        }
    }

    /// Rotates the hue of one pixel (channels `plane` apart, 0…255) by `shift` turns, through
    /// HSV as torchvision's adjust_hue does.
    static func shiftHue(_ px: UnsafeMutablePointer<Float>, plane: Int, by shift: Float) {
        let r = px[0] / 255, g = px[plane] / 255, b = px[2 * plane] / 255
        let maxc = max(r, g, b), minc = min(r, g, b), delta = maxc - minc
        guard delta > 0 else { return }   // grey: no hue to rotate
        var hue: Float
        if maxc == r { hue = (g - b) / delta } else if maxc == g { hue = 2 + (b - r) / delta } else { hue = 4 + (r - g) / delta }
        hue = hue / 6 + shift
        hue -= hue.rounded(.down)
        let sat = delta / maxc, v = maxc
        let f6 = hue * 6, i = Int(f6) % 6, f = f6 - Float(Int(f6))
        let pp = v * (1 - sat), q = v * (1 - sat * f), t = v * (1 - sat * (1 - f))
        let (ro, go, bo): (Float, Float, Float)
        switch i {
        case 0: (ro, go, bo) = (v, t, pp)
        case 1: (ro, go, bo) = (q, v, pp)
        case 2: (ro, go, bo) = (pp, v, t)
        case 3: (ro, go, bo) = (pp, q, v)
        case 4: (ro, go, bo) = (t, pp, v)
        default: (ro, go, bo) = (v, pp, q)
        }
        px[0] = ro * 255; px[plane] = go * 255; px[2 * plane] = bo * 255
    }

    /// Random erasing (Zhong et al.; torchvision's sampling: area uniform, aspect log-uniform,
    /// up to 10 attempts). Fills with `erasingValue`.
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
                let fill = c.erasingValue[ch]
                for y in y0..<(y0 + h) { for x in x0..<(x0 + w) { p[ch * plane + y * W + x] = fill } }
            }
            return
        }
    }
}
