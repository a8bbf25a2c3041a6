// Transforms: pure in (seed, epoch, sample index); each transform checked on known pixels.
import XCTest
import Tensor
import Config
@testable import Data

final class TransformTests: XCTestCase {
    let img = gradientImage(width: 16, height: 32)

    func pipeline(_ edit: (inout AugmentConfig) -> Void = { _ in }) throws -> TransformPipeline {
        var c = AugmentConfig.train(height: 32, width: 16)
        c.jitterProb = 0.8
        edit(&c)
        return try TransformPipeline(c, seed: 42)
    }

    func testPureInSeedEpochAndIndex() throws {
        let t = try pipeline()
        XCTAssertEqual(t.tensor(img, epoch: 3, sampleIndex: 7).scalars, t.tensor(img, epoch: 3, sampleIndex: 7).scalars)
        let others = [t.tensor(img, epoch: 3, sampleIndex: 8), t.tensor(img, epoch: 4, sampleIndex: 7),
                      try TransformPipeline(t.config, seed: 43).tensor(img, epoch: 3, sampleIndex: 7)]
        let base = t.tensor(img, epoch: 3, sampleIndex: 7).scalars
        // With flip, crop, jitter and erasing on, a different key almost surely changes the sample;
        // over 20 keys at least 18 must differ.
        var differ = others.filter { $0.scalars != base }.count
        for i in 0..<17 where t.tensor(img, epoch: 9, sampleIndex: i).scalars != base { differ += 1 }
        XCTAssertGreaterThanOrEqual(differ, 18)
    }

    func testTestPipelineNormalisesKnownPixels() throws {
        let t = try TransformPipeline(.test(height: 2, width: 2), seed: 0)
        XCTAssertTrue(t.config.isDeterministic)
        let x = t.tensor(RGBImage(width: 2, height: 2, fill: (255, 0, 124)), epoch: 5, sampleIndex: 9)
        XCTAssertEqual(x.shape, [3, 2, 2])
        XCTAssertEqual(x[0, 1, 1], (1 - 0.485) / 0.229, accuracy: 1e-5)
        XCTAssertEqual(x[1, 0, 0], -0.456 / 0.224, accuracy: 1e-5)
        XCTAssertEqual(x[2, 0, 1], (124 / 255 - 0.406) / 0.225, accuracy: 1e-5)
        var raw = AugmentConfig.test(height: 2, width: 2); raw.normalize = false
        XCTAssertEqual(try TransformPipeline(raw).tensor(RGBImage(width: 2, height: 2, fill: (51, 0, 0)))[0, 0, 0], 0.2, accuracy: 1e-6)
    }

    func testFlipMirrors() throws {
        let t = try pipeline { $0 = .test(height: 32, width: 16); $0.flipProb = 1; $0.normalize = false }
        let x = t.tensor(img)
        for y in [0, 13, 31] { for xx in 0..<16 { XCTAssertEqual(x[0, y, xx] * 255, Float(img[x: 15 - xx, y: y].0), accuracy: 1e-3) } }
    }

    func testPadCropShiftsWithinPadding() throws {
        let t = try pipeline { $0 = .test(height: 32, width: 16); $0.padding = 3; $0.normalize = false }
        var shifts = Set<[Int]>()
        for i in 0..<40 {
            let x = t.tensor(img, epoch: 0, sampleIndex: i)
            // Find the (dy, dx) in −3…3 that explains the output: out(y,x) = in(y+dy, x+dx) or 0 outside.
            var found: [Int]? = nil
            search: for dy in -3...3 {
                for dx in -3...3 {
                    var ok = true
                    for y in 0..<32 where ok {
                        for xx in 0..<16 {
                            let sy = y + dy, sx = xx + dx
                            let expect: Float = (sy < 0 || sy >= 32 || sx < 0 || sx >= 16) ? 0 : Float(img[x: sx, y: sy].1)
                            if abs(x[1, y, xx] * 255 - expect) > 1e-3 { ok = false; break }
                        }
                    }
                    if ok { found = [dy, dx]; break search }
                }
            }
            XCTAssertNotNil(found, "sample \(i) is not a padded crop")
            if let f = found { shifts.insert(f) }
        }
        XCTAssertGreaterThan(shifts.count, 10)
    }

    func testErasingAreaAndFill() throws {
        let t = try pipeline { $0 = .test(height: 32, width: 16); $0.erasingProb = 1 }
        let plain = try TransformPipeline(.test(height: 32, width: 16)).tensor(img).scalars
        for i in 0..<20 {
            let x = t.tensor(img, epoch: 1, sampleIndex: i).scalars
            let changed = (0..<(32 * 16)).filter { x[$0] != plain[$0] }
            // Erased pixels hold the mean colour: exactly 0 after normalisation, in every channel.
            for p in changed { XCTAssertEqual(x[p], 0, accuracy: 1e-5); XCTAssertEqual(x[512 + p], 0, accuracy: 1e-5) }
            let area = Float(changed.count) / 512
            XCTAssertLessThanOrEqual(area, 0.45)   // 0.4 of the image, plus rounding of h and w
        }
    }

    func testJitterKeepsGreyGreyAndBadConfigIsRejected() throws {
        let t = try pipeline { $0 = .test(height: 4, width: 4); $0.jitterProb = 1; $0.normalize = false }
        let x = t.tensor(RGBImage(width: 4, height: 4, fill: (100, 100, 100)), epoch: 0, sampleIndex: 3)
        XCTAssertEqual(x[0, 1, 1], x[1, 1, 1], accuracy: 1e-4)   // saturation/contrast keep grey grey
        XCTAssertEqual(x[1, 1, 1], x[2, 1, 1], accuracy: 1e-4)
        XCTAssertThrowsError(try pipeline { $0.flipProb = 2 })
        XCTAssertThrowsError(try pipeline { $0.erasingArea = 0...0.5 })
    }

    func testPaddingModesMapIndicesLikeTorchvision() {
        // n = 4, pixels a b c d: reflect … c b | a b c d | c b …, symmetric … b a | a b c d | d c …
        XCTAssertNil(PaddingMode.constant.source(-1, 4))
        XCTAssertEqual([-3, -1, 4, 6].map { PaddingMode.edge.source($0, 4) }, [0, 0, 3, 3])
        XCTAssertEqual([-2, -1, 0, 3, 4, 5].map { PaddingMode.reflect.source($0, 4) }, [2, 1, 0, 3, 2, 1])
        XCTAssertEqual([-2, -1, 0, 3, 4, 5].map { PaddingMode.symmetric.source($0, 4) }, [1, 0, 0, 3, 3, 2])
        XCTAssertEqual(PaddingMode.reflect.source(-9, 4), PaddingMode.reflect.source(-3, 4), "periodic past one reflection")
    }

    func testPaddingModeFillsTheBorder() throws {
        let bright = RGBImage(width: 16, height: 32, fill: (200, 150, 100))
        for mode in [PaddingMode.edge, .reflect, .symmetric] {
            let t = try pipeline { $0 = .test(height: 32, width: 16); $0.padding = 4; $0.paddingMode = mode; $0.normalize = false }
            for i in 0..<10 {
                let x = t.tensor(bright, epoch: 0, sampleIndex: i).scalars
                XCTAssertFalse(x.contains(0), "\(mode): no black border")
            }
        }
        // Constant mode pads with black, so some crop shows a zero.
        let t = try pipeline { $0 = .test(height: 32, width: 16); $0.padding = 4; $0.normalize = false }
        XCTAssertTrue((0..<10).contains { t.tensor(bright, epoch: 0, sampleIndex: $0).scalars.contains(0) })
        // Edge mode on the gradient image: a pixel left of the image repeats column 0.
        let e = try pipeline { $0 = .test(height: 32, width: 16); $0.padding = 3; $0.paddingMode = .edge; $0.normalize = false }
        var sawShift = false
        for i in 0..<40 {
            let x = e.tensor(img, epoch: 0, sampleIndex: i)
            if abs(x[0, 5, 0] * 255 - Float(img[x: 0, y: 5].0)) < 1e-3 && abs(x[0, 5, 1] * 255 - Float(img[x: 0, y: 5].0)) < 1e-3 { sawShift = true }
        }
        XCTAssertTrue(sawShift, "some crop shifted right shows column 0 repeated")
    }

    func testErasingFillsWithTheConfiguredValue() throws {
        let t = try pipeline { $0 = .test(height: 32, width: 16); $0.erasingProb = 1; $0.erasingValue = [10, 20, 30]; $0.normalize = false }
        let plain = try TransformPipeline({ var c = AugmentConfig.test(height: 32, width: 16); c.normalize = false; return c }()).tensor(img).scalars
        let x = t.tensor(img, epoch: 0, sampleIndex: 1).scalars
        let changed = (0..<512).filter { x[$0] != plain[$0] }
        XCTAssertFalse(changed.isEmpty)
        for p in changed {
            XCTAssertEqual(x[p] * 255, 10, accuracy: 1e-3); XCTAssertEqual(x[512 + p] * 255, 20, accuracy: 1e-3); XCTAssertEqual(x[1024 + p] * 255, 30, accuracy: 1e-3)
        }
    }

    func testHueShiftRotatesTheColourCircle() {
        var px: [Float] = [255, 0, 0]   // red, one pixel, channels 1 apart
        px.withUnsafeMutableBufferPointer { TransformPipeline.shiftHue($0.baseAddress!, plane: 1, by: 1.0 / 3) }
        XCTAssertEqual(px[0], 0, accuracy: 1e-3); XCTAssertEqual(px[1], 255, accuracy: 1e-3, "red + 1/3 turn = green"); XCTAssertEqual(px[2], 0, accuracy: 1e-3)
        px = [0, 0, 255]
        px.withUnsafeMutableBufferPointer { TransformPipeline.shiftHue($0.baseAddress!, plane: 1, by: -1.0 / 3) }
        XCTAssertEqual(px[0], 0, accuracy: 1e-3); XCTAssertEqual(px[1], 255, accuracy: 1e-3); XCTAssertEqual(px[2], 0, accuracy: 1e-3)
        px = [90, 90, 90]
        px.withUnsafeMutableBufferPointer { TransformPipeline.shiftHue($0.baseAddress!, plane: 1, by: 0.25) }
        XCTAssertEqual(px, [90, 90, 90], "grey has no hue")
        // Hue jitter alone changes a coloured image, and keeps its brightness range.
        let t = try! pipeline { $0 = .test(height: 4, width: 4); $0.jitterProb = 1; $0.hue = 0.5
            $0.brightness = 0; $0.contrast = 0; $0.saturation = 0; $0.normalize = false }
        let x = t.tensor(RGBImage(width: 4, height: 4, fill: (200, 40, 40)), epoch: 0, sampleIndex: 2).scalars
        XCTAssertNotEqual(Array(x[0..<16]), [Float](repeating: 200 / 255, count: 16))
        XCTAssertEqual(x.max()! * 255, 200, accuracy: 0.01)
    }

    func testAugmentFromConfigReadsInputKeysOnlyWhenEnabled() throws {
        let schema = ConfigSchema(groups: [InputKeys.self])
        let c = try schema.load(yaml: """
            INPUT: {SIZE_TRAIN: [64, 32], PADDING: {MODE: reflect, SIZE: 5}, REA: {VALUE: [1, 2, 3]},
                    CJ: {ENABLED: true, HUE: 0.2}}
            """)
        let a = AugmentConfig(config: c, train: true, pixelMean: [0, 0, 0], pixelStd: [255, 255, 255])
        XCTAssertEqual([a.height, a.width, a.padding], [64, 32, 5])
        XCTAssertEqual(a.paddingMode, .reflect)
        XCTAssertEqual(a.erasingValue, [1, 2, 3])
        XCTAssertEqual(a.hue, 0.2)
        let off = try schema.load(yaml: "INPUT: {CJ: {ENABLED: false}, REA: {ENABLED: false}}")
        _ = AugmentConfig(config: off, train: true, pixelMean: [0, 0, 0], pixelStd: [1, 1, 1])
        XCTAssertFalse(off.readKeys.contains("INPUT.CJ.HUE"), "a disabled augmentation's settings are not read")
        XCTAssertFalse(off.readKeys.contains("INPUT.REA.VALUE"))
    }
}
