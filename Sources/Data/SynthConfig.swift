// Settings of the synthetic re-id generator, with its difficulty knobs. Defaults live here.
// The knobs are documented in docs/DATA.md; calibration (student vs teacher gap) is done by the
// lead once models exist — these defaults are a starting point, not calibrated figures.

public struct SynthConfig: Equatable, Sendable {
    /// Total identities (pids 1…ids); half train, half test, as in Market-1501.
    public var ids: Int = 300
    /// Cameras (1…9, Market-1501 names carry one digit).
    public var cameras: Int = 6
    /// Images per identity, spread over 2…`cameras` cameras.
    public var imagesPerId: Int = 12
    /// Image size in pixels (FastReID people: 256×128; the CPU demo uses 128×64 or 64×32).
    public var height: Int = 128
    public var width: Int = 64
    public var seed: UInt64 = 0

    // Difficulty knobs (0 = easiest for the multiplicative ones).
    /// Identities per near-duplicate group (1 disables groups).
    public var groupSize: Int = 3
    /// Fraction of identities that belong to a near-duplicate group.
    public var groupFraction: Float = 0.6
    /// Fine attributes that differ between members of a group (1 or 2).
    public var fineDifferences: Int = 1
    /// Clothing colours to choose from (2…16): fewer colours, more coincidental look-alikes.
    public var paletteSize: Int = 12
    /// Scales every camera effect: colour cast, brightness, contrast, blur and noise.
    public var cameraStrength: Float = 1.0
    /// Background clutter density (0 = plain background).
    public var clutter: Float = 1.0
    /// Probability that an image has a partial occluder.
    public var occlusionProb: Float = 0.25
    /// Relative scale jitter of the person box (±) and shift jitter (± fraction of width/height).
    public var scaleJitter: Float = 0.10
    public var shiftJitter: Float = 0.08
    /// Extra gallery images: pid 0 distractors (people who are nobody else) and pid −1 junk
    /// (badly cropped boxes, dropped by the parser as in Market-1501).
    public var distractors: Int = 100
    public var junk: Int = 20

    public init() {}

    /// Throws a clear error for settings the generator cannot honour.
    public func validate() throws {
        func bad(_ m: String) -> DataError { DataError(.badConfig, path: "", "synthetic data: \(m)") }
        if ids < 4 { throw bad("ids must be ≥ 4 (half are train, half test), got \(ids)") }
        if ids > 9999 { throw bad("ids must be ≤ 9999 (Market-1501 names have 4 pid digits), got \(ids)") }
        if cameras < 2 || cameras > 9 { throw bad("cameras must be 2…9, got \(cameras)") }
        if imagesPerId < 2 * 2 { throw bad("images-per-id must be ≥ 4 (two cameras × query + gallery), got \(imagesPerId)") }
        if height < 16 || width < 8 { throw bad("size must be at least 16×8, got \(height)×\(width)") }
        if groupSize < 1 { throw bad("groupSize must be ≥ 1, got \(groupSize)") }
        if !(0...1).contains(groupFraction) { throw bad("groupFraction must be in 0…1, got \(groupFraction)") }
        if !(1...2).contains(fineDifferences) { throw bad("fineDifferences must be 1 or 2, got \(fineDifferences)") }
        if paletteSize < 2 || paletteSize > SynthPalette.clothing.count { throw bad("paletteSize must be 2…\(SynthPalette.clothing.count), got \(paletteSize)") }
        if cameraStrength < 0 || clutter < 0 || scaleJitter < 0 || shiftJitter < 0 { throw bad("strengths and jitters must be ≥ 0") }
        if !(0...1).contains(occlusionProb) { throw bad("occlusionProb must be in 0…1, got \(occlusionProb)") }
        if distractors < 0 || junk < 0 { throw bad("distractors and junk must be ≥ 0") }
    }

    /// "key = value" lines, written next to the data for provenance.
    public var description: String {
        """
        ids = \(ids)
        cameras = \(cameras)
        imagesPerId = \(imagesPerId)
        size = \(height)x\(width)
        seed = \(seed)
        groupSize = \(groupSize)
        groupFraction = \(groupFraction)
        fineDifferences = \(fineDifferences)
        paletteSize = \(paletteSize)
        cameraStrength = \(cameraStrength)
        clutter = \(clutter)
        occlusionProb = \(occlusionProb)
        scaleJitter = \(scaleJitter)
        shiftJitter = \(shiftJitter)
        distractors = \(distractors)
        junk = \(junk)
        """
    }
}

/// Colours used by the generator (sRGB 0…255 floats).
enum SynthPalette {
    typealias RGB = (Float, Float, Float)
    /// Ordered so that a small palette still spans distinct hues.
    static let clothing: [RGB] = [
        (30, 30, 35), (235, 235, 230), (180, 30, 35), (35, 60, 150), (40, 120, 60), (220, 190, 40),
        (120, 120, 125), (110, 70, 40), (230, 120, 30), (120, 50, 130), (90, 160, 210), (230, 150, 170),
        (20, 40, 80), (170, 160, 120), (60, 90, 40), (150, 20, 70),
    ]
    static let skin: [RGB] = [(240, 200, 170), (210, 160, 120), (160, 110, 75), (100, 65, 45)]
    static let hair: [RGB] = [(25, 20, 18), (90, 60, 35), (170, 130, 70), (140, 140, 140), (120, 40, 20)]
}
