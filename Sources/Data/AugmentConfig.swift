// Augmentation settings (FastReID names in brackets). Defaults follow FastReID's bagtricks
// recipe: flip, pad 10 + random crop, random erasing on; colour jitter off. Defaults live here.

public struct AugmentConfig: Equatable, Sendable {
    /// Network input size H×W [INPUT.SIZE_TRAIN / SIZE_TEST]; images are resized bilinearly to it.
    public var height: Int = 128
    public var width: Int = 64
    /// Horizontal flip probability [INPUT.FLIP.PROB].
    public var flipProb: Float = 0.5
    /// Padding on each side before the random crop back to H×W [INPUT.PADDING.SIZE]; 0 = off.
    public var padding: Int = 10
    /// How the padded border is filled [INPUT.PADDING.MODE] (torchvision's padding modes).
    public var paddingMode: PaddingMode = .constant
    /// Random erasing [INPUT.REA]: probability, area fraction range, aspect-ratio range.
    public var erasingProb: Float = 0.5
    public var erasingArea: ClosedRange<Float> = 0.02...0.4
    public var erasingAspect: ClosedRange<Float> = 0.3...3.3
    /// Erasing fill per channel in 0–255 RGB [INPUT.REA.VALUE] (ImageNet mean, as FastReID).
    public var erasingValue: [Float] = [123.675, 116.28, 103.53]
    /// Colour jitter [INPUT.CJ]: probability and the ± strength of each factor.
    public var jitterProb: Float = 0
    public var brightness: Float = 0.15
    public var contrast: Float = 0.15
    public var saturation: Float = 0.1
    /// Hue shift: up to ± this fraction of the colour circle [INPUT.CJ.HUE], 0…0.5.
    public var hue: Float = 0.1
    /// Normalisation: output = (pixel/255 − mean)/std per channel (ImageNet by default).
    /// When false the output is pixel/255 in [0, 1].
    public var normalize: Bool = true
    public var mean: [Float] = [0.485, 0.456, 0.406]
    public var std: [Float] = [0.229, 0.224, 0.225]

    public init() {}

    /// Training augmentation at the given size (the defaults above).
    public static func train(height: Int, width: Int) -> AugmentConfig {
        var c = AugmentConfig()
        c.height = height
        c.width = width
        return c
    }

    /// Evaluation: resize and normalise only.
    public static func test(height: Int, width: Int) -> AugmentConfig {
        var c = train(height: height, width: width)
        c.flipProb = 0; c.padding = 0; c.erasingProb = 0; c.jitterProb = 0
        return c
    }

    /// True when every random transform is off (the output does not depend on epoch or index).
    public var isDeterministic: Bool { flipProb == 0 && padding == 0 && erasingProb == 0 && jitterProb == 0 }

    public func validate() throws {
        func bad(_ m: String) -> DataError { DataError(.badConfig, path: "", "augmentation: \(m)") }
        if height < 1 || width < 1 { throw bad("input size must be positive, got \(height)×\(width)") }
        for (n, p) in [("flipProb", flipProb), ("erasingProb", erasingProb), ("jitterProb", jitterProb)] where !(0...1).contains(p) {
            throw bad("\(n) must be in 0…1, got \(p)")
        }
        if padding < 0 { throw bad("padding must be ≥ 0, got \(padding)") }
        if erasingArea.lowerBound <= 0 || erasingArea.upperBound > 1 { throw bad("erasingArea must lie in (0, 1], got \(erasingArea)") }
        if erasingAspect.lowerBound <= 0 { throw bad("erasingAspect must be positive, got \(erasingAspect)") }
        if mean.count != 3 || std.count != 3 || std.contains(where: { $0 <= 0 }) { throw bad("mean and std need 3 values, std > 0") }
        if erasingValue.count != 3 { throw bad("erasingValue needs 3 values, got \(erasingValue.count)") }
        if !(0...0.5).contains(hue) { throw bad("hue must be in 0…0.5, got \(hue)") }
    }
}

/// Padding fill of the pad-and-crop step (torchvision's `padding_mode`).
public enum PaddingMode: String, Sendable, CaseIterable {
    /// Black (0).
    case constant
    /// The border pixel repeated.
    case edge
    /// Mirrored about the border pixel, which is not repeated (…c b | a b c…).
    case reflect
    /// Mirrored about the border, repeating it (…b a | a b c…).
    case symmetric

    /// The source index for `i` in 0..<n padded this way, or nil for constant fill.
    @inline(__always)
    func source(_ i: Int, _ n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch self {
        case .constant: return nil
        case .edge: return i < 0 ? 0 : n - 1
        case .reflect:
            guard n > 1 else { return 0 }
            let period = 2 * (n - 1)
            var m = i % period; if m < 0 { m += period }
            return m < n ? m : period - m
        case .symmetric:
            let period = 2 * n
            var m = i % period; if m < 0 { m += period }
            return m < n ? m : period - 1 - m
        }
    }
}
