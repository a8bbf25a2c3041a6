// Helpers shared by the Data tests: temporary folders and tiny image files.
import Foundation
import XCTest
@testable import Data

final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "reidkd-data-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ rel: String) -> String { (path as NSString).appendingPathComponent(rel) }

    /// Writes a tiny valid PNG (colour from `seed`) at `rel`, creating folders.
    @discardableResult
    func png(_ rel: String, seed: UInt8 = 0, width: Int = 4, height: Int = 8) -> String {
        let p = sub(rel)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let img = RGBImage(width: width, height: height, fill: (seed, 100, 200))
        try! ImageIO.savePNG(img, to: p)
        return p
    }

    func write(_ rel: String, _ bytes: [UInt8]) {
        let p = sub(rel)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
    }
}

/// Asserts that `body` throws a DataError of `kind` whose message names `path`.
func assertDataError<T>(_ kind: DataError.Kind, naming path: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error naming \(path)", file: file, line: line)
    } catch let e as DataError {
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
        XCTAssertTrue(e.description.contains(path), "error does not name \(path): \(e)", file: file, line: line)
    } catch {
        XCTFail("expected DataError, got \(error)", file: file, line: line)
    }
}

/// A smooth test image (gradients), for lossy round trips.
func gradientImage(width: Int, height: Int) -> RGBImage {
    var p: [UInt8] = []
    for y in 0..<height { for x in 0..<width { p += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), 128] } }
    return RGBImage(width: width, height: height, pixels: p)
}
