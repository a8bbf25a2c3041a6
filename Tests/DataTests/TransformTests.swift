// Transforms: pure in (seed, epoch, sample index); each transform checked on known pixels.
import XCTest
import Tensor
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
}
