// INPUT.* keys: the image size and the training augmentation, read by
// `AugmentConfig(config:train:pixelMean:pixelStd:)` (AugmentFromConfig.swift). FastReID's names;
// the values are its bagtricks recipe (its defaults.py has the augmentations disabled).
import Config

public struct InputKeys: ConfigKeyGroup {
    public init() {}
    public let sizeTrain = Key.ints("INPUT.SIZE_TRAIN", [256, 128], KeyRange.positive, n: 2...2, "training image size [height, width]")
    public let sizeTest = Key.ints("INPUT.SIZE_TEST", [256, 128], KeyRange.positive, n: 2...2, "test image size [height, width]")
    public let flip = Key.flag("INPUT.FLIP.ENABLED", true, "random horizontal flip")
    public let flipProb = Key.float("INPUT.FLIP.PROB", 0.5, 0.0...1, "flip probability")
    public let padding = Key.flag("INPUT.PADDING.ENABLED", true, "pad then random crop back to size")
    public let paddingSize = Key.int("INPUT.PADDING.SIZE", 10, KeyRange.any, "padding in pixels")
    public let paddingMode = Key.string("INPUT.PADDING.MODE", "constant", ["constant", "edge", "reflect", "symmetric"], "padding fill (torchvision's padding_mode): constant = black, edge = repeat the border pixel, reflect = mirror without repeating it, symmetric = mirror repeating it")
    public let rea = Key.flag("INPUT.REA.ENABLED", true, "random erasing")
    public let reaProb = Key.float("INPUT.REA.PROB", 0.5, 0.0...1, "random erasing probability")
    public let reaValue = Key.floats("INPUT.REA.VALUE", [123.675, 116.28, 103.53], 0.0...255, n: 3...3, "erasing fill (0–255 RGB; default ImageNet mean, as FastReID)")
    public let cj = Key.flag("INPUT.CJ.ENABLED", false, "colour jitter")
    public let cjProb = Key.float("INPUT.CJ.PROB", 0.5, 0.0...1, "colour jitter probability")
    public let cjBrightness = Key.float("INPUT.CJ.BRIGHTNESS", 0.15, 0.0...1, "brightness jitter")
    public let cjContrast = Key.float("INPUT.CJ.CONTRAST", 0.15, 0.0...1, "contrast jitter")
    public let cjSaturation = Key.float("INPUT.CJ.SATURATION", 0.1, 0.0...1, "saturation jitter")
    public let cjHue = Key.float("INPUT.CJ.HUE", 0.1, 0.0...0.5, "hue jitter: shift by up to ± this fraction of the colour circle")
}
