// Draws one synthetic re-id image: a cluttered camera background, a person seen from the front,
// back or side (the viewpoint decides what is visible: a backpack hides the shirt print from
// behind, the face shows only from the front), scale and shift jitter, an optional occluder,
// then the camera's colour cast, brightness, contrast, blur and noise.
import Tensor

enum Viewpoint: Int { case front, back, side }

struct SynthShot {
    var view: Viewpoint
    var mirrored: Bool      // side view facing left vs right
    var scale: Float, shiftX: Float, shiftY: Float
    var occluded: Bool
}

enum SynthRender {
    typealias RGB = SynthPalette.RGB

    static func shot(camera: SynthCamera, cfg: SynthConfig, rng: inout RandomGenerator) -> SynthShot {
        let u = rng.uniform()
        let view: Viewpoint = u < camera.viewBias.0 ? .front : (u < camera.viewBias.0 + camera.viewBias.1 ? .back : .side)
        return SynthShot(view: view, mirrored: rng.bernoulli(0.5),
                         scale: 1 + rng.uniform(-cfg.scaleJitter, cfg.scaleJitter),
                         shiftX: rng.uniform(-cfg.shiftJitter, cfg.shiftJitter),
                         shiftY: rng.uniform(-cfg.shiftJitter, cfg.shiftJitter) * 0.5,
                         occluded: rng.bernoulli(cfg.occlusionProb))
    }

    /// Renders `person` (nil: background only) as `camera` sees it.
    static func image(person: SynthIdentity?, shot: SynthShot, camera: SynthCamera, cfg: SynthConfig,
                      rng: inout RandomGenerator) -> RGBImage {
        var c = SynthCanvas(width: cfg.width, height: cfg.height)
        background(&c, camera: camera, clutter: cfg.clutter, rng: &rng)
        if let person { draw(person, shot: shot, on: &c, palette: SynthPalette.clothing) }
        if shot.occluded { occluder(&c, rng: &rng) }
        c.applyCamera(camera, extraBrightness: rng.uniform(-10, 10) * cfg.cameraStrength, rng: &rng)
        return c.toImage()
    }

    static func background(_ c: inout SynthCanvas, camera: SynthCamera, clutter: Float, rng: inout RandomGenerator) {
        let H = Float(c.height), W = Float(c.width)
        let floorY = H * rng.uniform(0.6, 0.8)
        let a = camera.background, b = camera.background2
        c.rect(0, 0, W, floorY) { _, y in
            let f = Float(y) / H
            return (a.0 * (1 - f) + b.0 * f * 0.5, a.1 * (1 - f) + b.1 * f * 0.5, a.2 * (1 - f) + b.2 * f * 0.5)
        }
        c.rect(0, floorY, W, H, (b.0 * 0.7, b.1 * 0.7, b.2 * 0.7))
        // Clutter: boxes, poles and signs in colours that can clash with clothing.
        let n = Int((clutter * rng.uniform(3, 9)).rounded())
        for _ in 0..<n {
            let col: RGB = rng.bernoulli(0.5)
                ? SynthPalette.clothing[rng.int(below: SynthPalette.clothing.count)]
                : (rng.uniform(30, 230), rng.uniform(30, 230), rng.uniform(30, 230))
            if rng.bernoulli(0.3) {
                let x = rng.uniform(0, W), w = rng.uniform(1, W * 0.08)
                c.rect(x, rng.uniform(0, H * 0.3), x + w, floorY + rng.uniform(0, H * 0.1), col)
            } else {
                let x = rng.uniform(-W * 0.2, W), y = rng.uniform(0, H * 0.9)
                c.rect(x, y, x + rng.uniform(W * 0.1, W * 0.5), y + rng.uniform(H * 0.03, H * 0.2), col)
            }
        }
    }

    static func occluder(_ c: inout SynthCanvas, rng: inout RandomGenerator) {
        let H = Float(c.height), W = Float(c.width)
        let col: RGB = (rng.uniform(20, 230), rng.uniform(20, 230), rng.uniform(20, 230))
        switch rng.int(below: 3) {
        case 0: // something in the foreground at the bottom (car, bench, bike)
            c.rect(rng.uniform(-W * 0.5, W * 0.3), H * (1 - rng.uniform(0.2, 0.45)), rng.uniform(W * 0.7, W * 1.5), H, col)
        case 1: // a pole or another pedestrian's edge at one side
            let left = rng.bernoulli(0.5), w = W * rng.uniform(0.15, 0.35)
            c.rect(left ? 0 : W - w, 0, left ? w : W, H, col)
        default: // a held object / sign across the body
            let y = H * rng.uniform(0.3, 0.6)
            c.rect(W * rng.uniform(0, 0.3), y, W * rng.uniform(0.6, 1), y + H * rng.uniform(0.1, 0.2), col)
        }
    }

    static func draw(_ id: SynthIdentity, shot: SynthShot, on c: inout SynthCanvas, palette: [RGB]) {
        let H = Float(c.height), W = Float(c.width)
        let ph = H * id.heightFrac * shot.scale
        let feet = H * 0.985 + shot.shiftY * H
        let top = feet - ph
        let cx = W / 2 + shot.shiftX * W
        let side = shot.view == .side
        let sw = W * id.widthFrac * shot.scale * (side ? 0.62 : 1)
        let dir: Float = shot.mirrored ? -1 : 1           // facing direction in side view
        let skin = SynthPalette.skin[id.skin], hair = SynthPalette.hair[id.hair]
        let upper = palette[id.upper], upper2 = palette[id.upper2]
        let lower = palette[id.lower], shoes = palette[id.shoes], bagC = palette[id.bagColour]
        let headR = ph * 0.075
        let headCY = top + headR * 1.05
        let neck = top + ph * 0.15
        let hip = top + ph * (1 - id.legFrac)
        let shoeH = max(1, ph * 0.035)
        let unit = H / 128                                  // texture scale relative to 128 px

        // Backpack from the side sticks out behind the torso: draw it first so the body covers its edge.
        if id.bag == .backpack && side {
            c.rect(cx - dir * sw * 0.5 - sw * 0.35, neck + ph * 0.03, cx - dir * sw * 0.5 + sw * 0.35, hip - ph * 0.04, bagC)
        }
        // Legs and lower garment.
        let legW = side ? sw * 0.55 : sw * 0.4
        let gap = side ? 0 : sw * 0.06
        let legXs: [Float] = side ? [cx - legW / 2] : [cx - gap / 2 - legW, cx + gap / 2]
        for lx in legXs {
            switch id.lowerKind {
            case .trousers: c.rect(lx, hip, lx + legW, feet - shoeH, lower)
            case .shorts:
                c.rect(lx, hip, lx + legW, hip + (feet - hip) * 0.45, lower)
                c.rect(lx + legW * 0.1, hip + (feet - hip) * 0.45, lx + legW * 0.9, feet - shoeH, skin)
            case .skirt:
                c.rect(lx + legW * 0.15, hip, lx + legW * 0.85, feet - shoeH, skin)
            }
            c.rect(lx - (side ? dir * -legW * 0.25 : 0), feet - shoeH, lx + legW + (side ? dir * legW * 0.25 : 0), feet, shoes)
        }
        if id.lowerKind == .skirt { c.rect(cx - sw * 0.55, hip - 1, cx + sw * 0.55, hip + (feet - hip) * 0.5, lower) }

        // Torso with texture; the print is on the front only.
        let torsoX0 = cx - sw / 2, torsoX1 = cx + sw / 2
        let period = max(2, Float(id.stripePeriod) * unit)
        c.rect(torsoX0, neck, torsoX1, hip) { x, y in
            let v = Int(((Float(y) - neck) / period).rounded(.down)), u = Int(((Float(x) - torsoX0) / period).rounded(.down))
            switch id.texture {
            case .stripes: return v % 2 == 0 ? upper : upper2
            case .checks: return (u + v) % 2 == 0 ? upper : upper2
            case .solid, .print: return upper
            }
        }
        if id.texture == .print && shot.view == .front {
            let s = sw * 0.32
            let py = neck + (hip - neck) * 0.3
            c.rect(cx - s / 2, py, cx + s / 2, py + s, upper2)
            c.rect(cx - s / 6, py + s / 3, cx + s / 6, py + 2 * s / 3, upper)   // a logo has a centre
        }
        // Arms: side view shows one, swinging.
        let armW = max(1.5, sw * (side ? 0.3 : 0.17))
        let armXs: [Float] = side ? [cx - armW / 2 + dir * sw * 0.05] : [torsoX0 - armW, torsoX1]
        let armEnd = hip + ph * 0.06
        for ax in armXs {
            let sleeveEnd = id.longSleeves ? armEnd - ph * 0.03 : neck + (armEnd - neck) * 0.4
            c.rect(ax, neck + ph * 0.01, ax + armW, sleeveEnd, upper)
            c.rect(ax, sleeveEnd, ax + armW, armEnd, skin)
        }
        // Bags.
        switch id.bag {
        case .backpack where shot.view == .back:
            c.rect(cx - sw * 0.36, neck + ph * 0.03, cx + sw * 0.36, hip - ph * 0.03, bagC)
        case .backpack where shot.view == .front:
            for sx in [cx - sw * 0.28, cx + sw * 0.28] { c.line(sx, neck, sx, neck + (hip - neck) * 0.75, thickness: max(1, sw * 0.07), bagC) }
        case .shoulderBag:
            let bx = side ? cx + dir * sw * 0.2 : (shot.view == .front ? torsoX1 : torsoX0)
            if !side { c.line(torsoX0 + sw * 0.1, neck, bx, hip - ph * 0.02, thickness: max(1, sw * 0.06), bagC) }
            c.rect(bx - sw * 0.22, hip - ph * 0.06, bx + sw * 0.22, hip + ph * 0.06, bagC)
        case .handbag:
            let hx = (side ? armXs[0] : (shot.view == .front ? armXs[1] : armXs[0])) + armW / 2
            c.rect(hx - sw * 0.17, armEnd, hx + sw * 0.17, armEnd + ph * 0.08, bagC)
        default: break
        }
        // Head: face from the front, hair from behind, profile from the side.
        let rx = headR * (side ? 0.9 : 0.85)
        c.ellipse(cx: cx, cy: headCY, rx: rx, ry: headR, shot.view == .back ? hair : skin)
        if shot.view == .front { c.ellipse(cx: cx, cy: headCY - headR * 0.25, rx: rx, ry: headR * 0.8, hair, upperOnly: true) }
        if side { c.ellipse(cx: cx - dir * rx * 0.35, cy: headCY - headR * 0.1, rx: rx * 0.7, ry: headR * 0.9, hair) }
        if let hat = id.hat {
            c.ellipse(cx: cx, cy: headCY - headR * 0.2, rx: rx * 1.05, ry: headR * 0.95, palette[hat], upperOnly: true)
            if shot.view != .back { c.rect(cx - rx * (side ? -0.2 * dir : 1.2), headCY - headR * 0.3, cx + rx * (side ? 1.5 * dir : 1.2), headCY - headR * 0.15, palette[hat]) }
        }
    }
}
