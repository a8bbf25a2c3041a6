// Folder creation and file writes name the path and the reason; safe names and path
// containment; JSON decoding errors name the field.
import XCTest
import Foundation
import Support

final class FileSystemTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "reidkd-fs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(dir)/afile"))
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testFolderErrorsNameThePathAndTheReason() throws {
        XCTAssertThrowsError(try FileSystem.createFolder("\(dir)/afile/sub/deeper")) { e in
            XCTAssertEqual("\(e)", "cannot create folder \(dir)/afile/sub/deeper: \(dir)/afile is a file, not a folder")
        }
        XCTAssertThrowsError(try FileSystem.createFolder("\(dir)/afile")) { e in
            XCTAssertTrue("\(e)".hasPrefix("cannot create folder \(dir)/afile: a file of that name is in the way"), "\(e)")
        }
        XCTAssertThrowsError(try FileSystem.write(Data([1]), to: "\(dir)/afile/x.bin")) { e in
            XCTAssertEqual("\(e)", "cannot write file \(dir)/afile/x.bin: \(dir)/afile is a file, not a folder")
        }
        try FileSystem.createFolder("\(dir)/a/b/c")
        try FileSystem.createFolder("\(dir)/a/b/c")   // already there: fine
        try FileSystem.write(Data([1, 2]), to: "\(dir)/a/b/c/x.bin")
        XCTAssertEqual(FileManager.default.contents(atPath: "\(dir)/a/b/c/x.bin"), Data([1, 2]))
        XCTAssertFalse(FileSystem.isSpecialFile("\(dir)/afile"))
        XCTAssertFalse(FileSystem.isSpecialFile(dir))
        XCTAssertTrue(FileSystem.isSpecialFile("/dev/null"))
    }

    func testReasonNamesTheSystemErrorNotTheCocoaCode() {
        let e = NSError(domain: NSCocoaErrorDomain, code: 512,
                        userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        XCTAssertEqual(FileSystem.reason(e), "no space left on device")
        XCTAssertEqual(FileSystem.reason(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteVolumeReadOnly.rawValue)),
                       "read-only file system")
    }

    func testSafeNames() {
        for ok in ["quick", "tiny-v2", "r18_w0.25", "A1.b-c_d"] { XCTAssertNil(SafeName.problem(ok), ok) }
        XCTAssertEqual(SafeName.problem(""), "it is empty")
        XCTAssertEqual(SafeName.problem(".."), "it starts with '.' (hidden or parent folder)")
        XCTAssertEqual(SafeName.problem("a..b"), "it contains '..'")
        XCTAssertTrue(SafeName.problem("a/b")!.contains("'/'"))
        XCTAssertTrue(SafeName.problem("x'; DROP TABLE runs;--")!.contains("'''"))
        XCTAssertTrue(SafeName.problem("a\u{1B}[2J")!.contains("U+1B"))
        XCTAssertTrue(SafeName.problem("naïve")!.contains("U+EF"))
        XCTAssertTrue(SafeName.problem(String(repeating: "a", count: 65))!.contains("the limit is 64"))
        XCTAssertNil(SafeName.problem("r18-METHOD=kl+mse-s1", maxLength: SafeName.maxRunLength, extra: "=+"))
        XCTAssertNotNil(SafeName.problem("r18-METHOD=kl+mse-s1"))
    }

    func testContainment() throws {
        XCTAssertTrue(SafeName.isInside("results/quick/run", root: "results/quick"))
        XCTAssertTrue(SafeName.isInside("results/quick", root: "results/quick"))
        XCTAssertFalse(SafeName.isInside("results/quick/../other", root: "results/quick"))
        XCTAssertFalse(SafeName.isInside("results/quick2", root: "results/quick"))
        XCTAssertEqual(try SafeName.child("run", of: "results/quick", what: "run name"), "results/quick/run")
        for bad in ["..", ".", "", "a/b", "../x"] {
            XCTAssertThrowsError(try SafeName.child(bad, of: "results", what: "run name"), bad) { e in
                XCTAssertTrue("\(e)".contains("would write outside results"), "\(e)")
            }
        }
    }

    struct Sidecar: Decodable { let size: [Int]; let name: String; let inner: Inner }
    struct Inner: Decodable { let scale: Double }

    func testJSONErrorsNameTheField() {
        func problem(_ json: String) -> String {
            do { _ = try JSONProblem.decode(Sidecar.self, from: Data(json.utf8), path: "p.json", fix: "rewrite it"); return "" }
            catch { return "\(error)" }
        }
        XCTAssertEqual(problem(#"{"size": "big", "name": "x", "inner": {"scale": 1}}"#),
                       "p.json: field 'size': expected a list, found a string; rewrite it")
        XCTAssertEqual(problem(#"{"size": [1, "2"], "name": "x", "inner": {"scale": 1}}"#).prefix(36), "p.json: field 'size[1]': expected an")
        XCTAssertEqual(problem(#"{"size": [1], "inner": {"scale": 1}}"#), "p.json: field 'name' is missing; rewrite it")
        XCTAssertEqual(problem(#"{"size": [1], "name": "x", "inner": {"scale": null}}"#),
                       "p.json: field 'inner.scale': expected a number, found null; rewrite it")
        XCTAssertTrue(problem(#"{"size": [1], "#).hasPrefix("p.json: not valid JSON"), problem(#"{"size": [1], "#))
        XCTAssertFalse(problem(#"{"size": "big"}"#).contains("\n"))
    }
}
