// PNG/JPEG decoding and encoding: known pixels for every PNG colour type, round trips, resize.
import XCTest
@testable import Data

final class CodecTests: XCTestCase {
    func testPNGFixturesDecodeToKnownPixels() throws {
        for f in PNGFixtures.all {
            let img = try ImageIO.decode(f.bytes, path: f.name)
            XCTAssertEqual(img.width, f.width, f.name)
            XCTAssertEqual(img.height, f.height, f.name)
            XCTAssertEqual(img.pixels, f.rgb, f.name)
        }
    }

    func testPNGRoundTripIsExact() throws {
        let img = gradientImage(width: 13, height: 7)
        XCTAssertEqual(try PNGCodec.decode(try PNGCodec.encode(img)), img)
    }

    func testPNGEncodeIsDeterministic() throws {
        let img = gradientImage(width: 9, height: 5)
        XCTAssertEqual(try PNGCodec.encode(img), try PNGCodec.encode(img))
    }

    func testJPEGRoundTripWithinTolerance() throws {
        let img = gradientImage(width: 32, height: 16)
        let back = try ImageIO.decode(try JPEGCodec.encode(img, quality: 95))
        XCTAssertEqual(back.width, 32)
        XCTAssertEqual(back.height, 16)
        // Quality 95 on a smooth gradient: every channel within 8 levels, mean error under 2.
        let diffs = zip(img.pixels, back.pixels).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(diffs.max()!, 8)
        XCTAssertLessThan(Double(diffs.reduce(0, +)) / Double(diffs.count), 2)
    }

    func testJPEGSolidColourKnownPixel() throws {
        let img = RGBImage(width: 16, height: 16, fill: (200, 40, 90))
        let back = try JPEGCodec.decode(try JPEGCodec.encode(img, quality: 100))
        let (r, g, b) = back[x: 7, y: 7]
        XCTAssertEqual(Int(r), 200, accuracy: 3)
        XCTAssertEqual(Int(g), 40, accuracy: 3)
        XCTAssertEqual(Int(b), 90, accuracy: 3)
    }

    func testGrayscaleJPEGDecodesToEqualChannels() throws {
        let img = RGBImage(width: 8, height: 8, fill: (90, 0, 0))
        let back = try JPEGCodec.decode(try JPEGCodec.encode(img, quality: 100, grayscale: true))
        let (r, g, b) = back[x: 3, y: 3]
        XCTAssertEqual(r, g)
        XCTAssertEqual(g, b)
        XCTAssertEqual(Int(r), 90, accuracy: 2)
    }

    func testFileRoundTripAndFormatSniffing() throws {
        let dir = TempDir()
        let img = gradientImage(width: 6, height: 4)
        try ImageIO.savePNG(img, to: dir.sub("a.png"))
        XCTAssertEqual(try ImageIO.load(dir.sub("a.png")), img)
        // A JPEG saved under a .png name still decodes: the format comes from the bytes.
        dir.write("b.png", try JPEGCodec.encode(img, quality: 90))
        XCTAssertEqual(try ImageIO.load(dir.sub("b.png")).width, 6)
    }

    func testResizeKnownValues() {
        // 4 → 2 wide with half-pixel centres samples at 0.5 and 2.5: the mean of each pair.
        let row = RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 100, 100, 100, 200, 200, 200, 50, 50, 50])
        XCTAssertEqual(Resize.bilinear(row, height: 1, width: 2).pixels, [50, 50, 50, 125, 125, 125])
        // 2 → 4 wide: centres at −0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
        let two = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 100, 100, 100])
        XCTAssertEqual(Resize.bilinear(two, height: 1, width: 4).pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), [0, 25, 75, 100])
        let solid = RGBImage(width: 7, height: 5, fill: (9, 99, 199))
        XCTAssertEqual(Resize.bilinear(solid, height: 16, width: 8), RGBImage(width: 8, height: 16, fill: (9, 99, 199)))
        XCTAssertEqual(Resize.bilinear(solid, height: 5, width: 7), solid)
    }

}
