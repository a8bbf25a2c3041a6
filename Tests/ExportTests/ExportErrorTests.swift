// The export's failure modes: one clear line naming the run, file or folder, and nothing
// half-written (no target folder, no temporary folder left next to it).
import XCTest
import Foundation
import Store
@testable import Export

final class ExportErrorTests: XCTestCase {
    func assertFails(_ o: ExportOptions, _ needle: String, leaves dir: String, file: StaticString = #filePath, line: UInt = #line) {
        let before = (try? FileManager.default.contentsOfDirectory(atPath: dir).sorted()) ?? []
        XCTAssertThrowsError(try Exporter.export(o, log: { _ in }), file: file, line: line) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains(needle), "expected '\(needle)' in: \(s)", file: file, line: line)
            XCTAssertFalse(s.contains("\n"), "one line expected: \(s)", file: file, line: line)
        }
        let after = (try? FileManager.default.contentsOfDirectory(atPath: dir).sorted()) ?? []
        XCTAssertEqual(after, before, "the export left files behind in \(dir)", file: file, line: line)
    }

    func testSelectionAndArtifactErrors() throws {
        let fx = try ExportFixture()
        defer { fx.remove() }
        let results = "\(fx.dir)/results"
        assertFails(ExportOptions(storePath: fx.storePath, run: 42), "no run with id 42", leaves: results)
        assertFails(ExportOptions(storePath: "\(fx.dir)/nope.sqlite", sweep: "fx"), "no experiment store at", leaves: results)
        _ = try fx.store.findOrCreateSweep(name: "empty", spec: "")
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "empty"), "has no student or baseline runs", leaves: results)
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "fxx"), "did you mean 'fx'", leaves: results)
        // A finished run without a model artifact.
        let bare = try Fixtures.addRun(fx.store, sweep: nil, name: "bare", role: .student, summary: ["mAP": 1])
        assertFails(ExportOptions(storePath: fx.storePath, run: bare.id), "has no model artifact", leaves: results)
        // The checkpoint file moved away, then changed.
        let moved = fx.checkpoint + ".moved"
        try FileManager.default.moveItem(atPath: fx.checkpoint, toPath: moved)
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "fx"), "is missing (moved or deleted?)", leaves: results)
        try FileManager.default.moveItem(atPath: moved, toPath: fx.checkpoint)
        let h = try FileHandle(forWritingAtPath: fx.checkpoint).unwrap()
        h.seekToEndOfFile(); h.write(Data([0])); h.closeFile()
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "fx"), "changed since run \(fx.student.id) recorded it", leaves: results)
    }

    func testUnwritableOutput() throws {
        let fx = try ExportFixture()
        defer { fx.remove() }
        // A regular file where the parent folder should be: not writable as a folder, even as root.
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(fx.dir)/blocker"))
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "fx", out: "\(fx.dir)/blocker/export"), "cannot write the export to", leaves: fx.dir)
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "fx", out: "\(fx.dir)/blocker"), "a file (not a folder) is in the way", leaves: fx.dir)
    }

    func testFailedProofWritesNothing() throws {
        // The stored mAP is 1 point off what the checkpoint really scores: the proof must fail.
        let fx = try ExportFixture(storedMAPOffset: 1)
        defer { fx.remove() }
        assertFails(ExportOptions(storePath: fx.storePath, sweep: "fx"), "does not reproduce run", leaves: "\(fx.dir)/results/fx")
    }

    func testEmbedErrors() throws {
        let dir = Fixtures.tempDir("embed-errors")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try ExportedModel(directory: "\(dir)/none")) { XCTAssertTrue("\($0)".contains("no such folder"), "\($0)") }
        XCTAssertThrowsError(try ExportedModel(directory: dir)) { XCTAssertTrue("\($0)".contains("cannot read preprocess.json"), "\($0)") }
        try Data("{\"format\": 3}".utf8).write(to: URL(fileURLWithPath: "\(dir)/preprocess.json"))
        XCTAssertThrowsError(try ExportedModel(directory: dir)) { XCTAssertTrue("\($0)".contains("field 'format'"), "\($0)") }
    }
}

extension Optional {
    func unwrap(file: StaticString = #filePath, line: UInt = #line) throws -> Wrapped {
        guard let v = self else { throw XCTSkip("unexpected nil") }
        return v
    }
}
