// The corrupt-file battery: every bad input gives a DataError naming the file, never a crash.
import XCTest
@testable import Data

final class CorruptFileTests: XCTestCase {
    func testBattery() throws {
        let dir = TempDir()
        let png = try PNGCodec.encode(gradientImage(width: 16, height: 16))
        let jpg = try JPEGCodec.encode(gradientImage(width: 32, height: 32), quality: 90)
        dir.write("empty.png", [])
        dir.write("text.jpg", Array("hello, I am not an image\n".utf8))
        dir.write("trunc.png", Array(png.prefix(png.count / 2)))
        dir.write("header-only.png", Array(png.prefix(8)))
        var flipped = png; flipped[png.count - 20] ^= 0xFF   // inside the compressed data / CRC
        dir.write("crc.png", flipped)
        dir.write("trunc.jpg", Array(jpg.prefix(jpg.count / 2)))
        dir.write("header-only.jpg", Array(jpg.prefix(3)))
        try FileManager.default.createDirectory(atPath: dir.sub("folder.png"), withIntermediateDirectories: true)

        assertDataError(.emptyFile, naming: dir.sub("empty.png")) { try ImageIO.load(dir.sub("empty.png")) }
        assertDataError(.notAnImage, naming: dir.sub("text.jpg")) { try ImageIO.load(dir.sub("text.jpg")) }
        for name in ["trunc.png", "header-only.png", "crc.png", "trunc.jpg", "header-only.jpg"] {
            assertDataError(.corruptImage, naming: dir.sub(name)) { try ImageIO.load(dir.sub(name)) }
        }
        assertDataError(.notAnImage, naming: dir.sub("folder.png")) { try ImageIO.load(dir.sub("folder.png")) }
        assertDataError(.unreadable, naming: dir.sub("missing.png")) { try ImageIO.load(dir.sub("missing.png")) }
    }

    func testUnreadableFile() throws {
        if getuid() == 0 { throw XCTSkip("root can read any file") }
        let dir = TempDir()
        let p = dir.png("locked.png")
        chmod(p, 0)
        assertDataError(.unreadable, naming: p) { try ImageIO.load(p) }
    }
}
