// What a killed export leaves next to its target — hidden `.<name>.tmp-<pid>` folders, and the
// previous export moved aside as `.<name>.old-<pid>` when the kill fell between the two renames
// of a commit — is cleaned up by the next export: the previous export goes back in place, the
// rest is removed. Two exports to one folder at once: the second is refused with a clear line.
import XCTest
import Foundation
@testable import Export

final class AtomicFolderTests: XCTestCase {
    func testKilledExportLeftoversAreCleanedUpNextTime() throws {
        let dir = NSTemporaryDirectory() + "reidkd-atomic-folder-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        // Killed between moving the old export aside and moving the new one in.
        try fm.createDirectory(atPath: "\(dir)/.export.old-4242", withIntermediateDirectories: true)
        try Data("previous".utf8).write(to: URL(fileURLWithPath: "\(dir)/.export.old-4242/MODEL_CARD.md"))
        try fm.createDirectory(atPath: "\(dir)/.export.tmp-4242", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(dir)/.export.tmp-777", withIntermediateDirectories: true)   // an earlier kill
        try fm.createDirectory(atPath: "\(dir)/.other.tmp-1", withIntermediateDirectories: true)       // not ours
        let folder = try AtomicFolder(target: "\(dir)/export")
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/export/MODEL_CARD.md", encoding: .utf8), "previous", "the previous export is back")
        XCTAssertThrowsError(try AtomicFolder(target: "\(dir)/export")) { XCTAssertTrue("\($0)".contains("another export to"), "\($0)") }
        try Data("new".utf8).write(to: URL(fileURLWithPath: folder.path("MODEL_CARD.md")))
        try folder.commit()
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/export/MODEL_CARD.md", encoding: .utf8), "new")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir).sorted(), [".other.tmp-1", "export"], "no leftovers, no lock file")
    }
}
