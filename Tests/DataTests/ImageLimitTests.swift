// Dimension caps: a header that declares more than ImageLimits allows is refused before any
// pixel memory is allocated (a 2-row PNG claiming 60000×60000 used to abort the process), and an
// image right at a cap still decodes.
import XCTest
@testable import Data

final class ImageLimitTests: XCTestCase {
    /// A real 2×2 PNG whose IHDR claims `width`×`height` (CRC fixed up, so libpng reads it).
    func pngClaiming(width: UInt32, height: UInt32) throws -> [UInt8] {
        var b = try PNGCodec.encode(gradientImage(width: 2, height: 2))
        for (i, v) in [width, height].enumerated() { for k in 0..<4 { b[16 + 4 * i + k] = UInt8((v >> (24 - 8 * k)) & 0xFF) } }
        var c: UInt32 = 0xFFFF_FFFF
        for byte in b[12..<29] {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        c = ~c
        for k in 0..<4 { b[29 + k] = UInt8((c >> (24 - 8 * k)) & 0xFF) }
        return b
    }

    /// A real 8×8 baseline JPEG whose SOF0 header claims `width`×`height`.
    func jpegClaiming(width: UInt16, height: UInt16) throws -> [UInt8] {
        var b = try JPEGCodec.encode(gradientImage(width: 8, height: 8))
        let sof = try XCTUnwrap((0..<(b.count - 1)).first { b[$0] == 0xFF && b[$0 + 1] == 0xC0 })
        b[sof + 5] = UInt8(height >> 8); b[sof + 6] = UInt8(height & 0xFF)
        b[sof + 7] = UInt8(width >> 8); b[sof + 8] = UInt8(width & 0xFF)
        return b
    }

    func assertTooLarge(_ bytes: [UInt8], _ pieces: [String], line: UInt = #line) {
        XCTAssertThrowsError(try ImageIO.decode(bytes, path: "bomb"), line: line) { e in
            XCTAssertEqual((e as? DataError)?.kind, .tooLarge, "\(e)", line: line)
            for p in pieces { XCTAssertTrue("\(e)".contains(p), "\(e)", line: line) }
        }
    }

    func testDeclaredDimensionsOverTheCapsAreRefused() throws {
        assertTooLarge(try pngClaiming(width: 60_000, height: 60_000), ["bomb: PNG header declares 60000×60000", "16384"])
        assertTooLarge(try pngClaiming(width: 16_385, height: 1), ["16385×1"])
        assertTooLarge(try pngClaiming(width: 8_193, height: 8_192), ["8193×8192", "64 Mpixel"])   // one row over 2²⁶
        assertTooLarge(try jpegClaiming(width: 65_000, height: 65_000), ["JPEG header declares 65000×65000"])
        assertTooLarge(try jpegClaiming(width: 16_385, height: 8), ["16385×8"])
    }

    func testImagesAtTheCapsStillDecode() throws {
        // The header check passes; decoding then fails only because the data is a 2×2 image's.
        XCTAssertThrowsError(try ImageIO.decode(try pngClaiming(width: UInt32(ImageLimits.maxSide), height: 2))) { e in
            XCTAssertEqual((e as? DataError)?.kind, .corruptImage, "\(e)")
        }
        let wide = try PNGCodec.encode(gradientImage(width: ImageLimits.maxSide, height: 1))
        XCTAssertEqual(try ImageIO.decode(wide).width, ImageLimits.maxSide)
    }
}
