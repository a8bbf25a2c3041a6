// Identities of the synthetic data: a combination of attributes, and groups of near-duplicates
// that share all attributes but one or two fine ones (shoes, hat, print, bag colour, stripe
// colour, sleeves, hair) — the hard negatives a re-id model must learn to separate.
import Tensor

enum UpperTexture: Int, CaseIterable { case solid, stripes, checks, print }
enum LowerKind: Int, CaseIterable { case trousers, shorts, skirt }
enum BagKind: Int, CaseIterable { case none, backpack, shoulderBag, handbag }

struct SynthIdentity: Equatable {
    var heightFrac: Float       // person height / image height
    var widthFrac: Float        // shoulder width / image width
    var legFrac: Float          // leg length / person height
    var skin: Int, hair: Int
    var hat: Int?               // hat colour (clothing palette) or none
    var upper: Int, upper2: Int // main and secondary (stripes/checks/print) colour
    var texture: UpperTexture
    var stripePeriod: Int       // pixels at 128 px height
    var longSleeves: Bool
    var lower: Int
    var lowerKind: LowerKind
    var shoes: Int
    var bag: BagKind
    var bagColour: Int
    /// Near-duplicate group index (identities of one group differ only in fine attributes).
    var group: Int

    static func random(_ rng: inout RandomGenerator, palette: Int, group: Int) -> SynthIdentity {
        let tex = UpperTexture.allCases[rng.int(below: 4)]
        var upper2 = rng.int(below: palette)
        let upper = rng.int(below: palette)
        if upper2 == upper { upper2 = (upper + 1 + rng.int(below: palette - 1)) % palette }
        return SynthIdentity(
            heightFrac: rng.uniform(0.80, 0.95), widthFrac: rng.uniform(0.36, 0.52), legFrac: rng.uniform(0.42, 0.52),
            skin: rng.int(below: SynthPalette.skin.count), hair: rng.int(below: SynthPalette.hair.count),
            hat: rng.bernoulli(0.25) ? rng.int(below: palette) : nil,
            upper: upper, upper2: upper2, texture: tex, stripePeriod: 6 + rng.int(below: 8),
            longSleeves: rng.bernoulli(0.5),
            lower: rng.int(below: palette), lowerKind: LowerKind.allCases[rng.int(below: 3)],
            shoes: rng.int(below: palette),
            bag: BagKind.allCases[rng.int(below: 4)], bagColour: rng.int(below: palette), group: group)
    }

    /// A near-duplicate: the same person but for `count` fine attributes.
    func variant(_ rng: inout RandomGenerator, palette: Int, count: Int) -> SynthIdentity {
        var v = self
        var kinds = Array(0..<7)
        rng.shuffle(&kinds)
        for k in kinds.prefix(count) {
            switch k {
            case 0: v.shoes = (shoes + 1 + rng.int(below: palette - 1)) % palette
            case 1: v.hat = hat == nil ? rng.int(below: palette) : nil
            case 2: v.texture = texture == .print ? .solid : .print
            case 3: v.bagColour = (bagColour + 1 + rng.int(below: palette - 1)) % palette
                if v.bag == .none { v.bag = .handbag }
            case 4: v.upper2 = (upper2 + 1 + rng.int(below: palette - 1)) % palette
                if v.texture == .solid { v.texture = .stripes }
            case 5: v.longSleeves.toggle()
            default: v.hair = (hair + 1 + rng.int(below: SynthPalette.hair.count - 1)) % SynthPalette.hair.count
            }
        }
        return v
    }

    /// All identities for a config, in generation order (groups contiguous), pure in the seed.
    static func all(_ cfg: SynthConfig) -> [SynthIdentity] {
        var out: [SynthIdentity] = []
        let grouped = cfg.groupSize > 1 ? Int((Float(cfg.ids) * cfg.groupFraction).rounded()) : 0
        var group = 0
        while out.count < cfg.ids {
            var rng = RandomGenerator(seed: cfg.seed, key: [1, UInt64(group)])
            let base = random(&rng, palette: cfg.paletteSize, group: group)
            out.append(base)
            if out.count <= grouped {
                for _ in 1..<cfg.groupSize where out.count < min(grouped, cfg.ids) {
                    var v = base.variant(&rng, palette: cfg.paletteSize, count: cfg.fineDifferences)
                    // A variant must differ visibly; redraw the rare no-op change (e.g. same texture swap back).
                    while v == base { v = base.variant(&rng, palette: cfg.paletteSize, count: cfg.fineDifferences) }
                    out.append(v)
                }
            }
            group += 1
        }
        return out
    }

    /// One TSV line for identities.tsv.
    var tsv: String {
        "\(group)\t\(heightFrac)\t\(widthFrac)\t\(skin)\t\(hair)\t\(hat.map(String.init) ?? "-")\t\(upper)\t\(upper2)\t\(texture)\t\(longSleeves ? "long" : "short")\t\(lower)\t\(lowerKind)\t\(shoes)\t\(bag)\t\(bagColour)"
    }
    static let tsvHeader = "pid\tgroup\theight\twidth\tskin\thair\that\tupper\tupper2\ttexture\tsleeves\tlower\tlowerKind\tshoes\tbag\tbagColour"
}

/// A camera's look: colour cast, brightness, contrast, blur, noise, background and the
/// viewpoints it tends to see. Pure in (seed, camera index).
struct SynthCamera {
    var gain: (Float, Float, Float)
    var brightness: Float
    var contrast: Float
    var blurPasses: Int
    var noise: Float
    var background: (Float, Float, Float)
    var background2: (Float, Float, Float)
    /// Probabilities of front, back, side.
    var viewBias: (Float, Float, Float)

    init(seed: UInt64, index: Int, strength s: Float) {
        var rng = RandomGenerator(seed: seed, key: [0, UInt64(index)])
        gain = (1 + s * rng.uniform(-0.18, 0.18), 1 + s * rng.uniform(-0.18, 0.18), 1 + s * rng.uniform(-0.18, 0.18))
        brightness = s * rng.uniform(-30, 30)
        contrast = 1 + s * rng.uniform(-0.3, 0.2)
        blurPasses = Int((s * rng.uniform(0, 2.6)).rounded(.down))
        noise = s * rng.uniform(2, 9)
        let g = rng.uniform(60, 200)
        background = (g + rng.uniform(-40, 40), g + rng.uniform(-40, 40), g + rng.uniform(-40, 40))
        background2 = (rng.uniform(40, 220), rng.uniform(40, 220), rng.uniform(40, 220))
        let f = rng.uniform(0.15, 0.6), b = rng.uniform(0.15, 0.6), sd = rng.uniform(0.15, 0.5)
        viewBias = (f / (f + b + sd), b / (f + b + sd), sd / (f + b + sd))
    }
}
