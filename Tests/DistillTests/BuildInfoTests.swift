// The code version baked in at build time is the checkout's commit (BuildInfoPlugin).
import XCTest
import Foundation
import BuildInfo

final class BuildInfoTests: XCTestCase {
    func testCodeVersionIsTheCommitOfTheBuild() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", repo.path, "rev-parse", "--short=12", "HEAD"]
        let out = Pipe()
        p.standardOutput = out; p.standardError = Pipe()
        guard (try? p.run()) != nil else { throw XCTSkip("git is not available") }
        let head = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            XCTAssertEqual(BuildInfo.codeVersion, "unknown", "outside a git checkout the version says so")
            return
        }
        // Built from this checkout: the same commit, marked -dirty when tracked files were edited.
        XCTAssertTrue(BuildInfo.codeVersion == head || BuildInfo.codeVersion == head + "-dirty",
                      "baked \(BuildInfo.codeVersion), checkout at \(head): rebuild after committing")
    }
}
