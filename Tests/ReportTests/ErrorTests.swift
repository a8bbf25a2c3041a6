// Bad input gives one clear line naming the store/sweep/run/folder and the fix, and leaves
// nothing half-written.
import XCTest
import Store
@testable import Report

final class ErrorTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testUnknownSweepBadRunMissingStore() throws {
        let dir = Fixtures.tempDir("err", self)
        try Fixtures.makeStore(at: dir, sweep: "quick")
        let path = dir + "/reidkd.sqlite"
        let m1 = message { _ = try ReportGenerator.run(ReportOptions(storePath: path, selection: .sweep("quik"), outDir: dir + "/o")) }
        XCTAssertTrue(m1.contains("no sweep named 'quik'") && m1.contains("did you mean 'quick'"), m1)
        let m2 = message { _ = try ReportGenerator.run(ReportOptions(storePath: path, selection: .runs([2, 999]), outDir: dir + "/o")) }
        XCTAssertTrue(m2.contains("no run with id 999 in \(path)"), m2)
        let m3 = message { _ = try ReportGenerator.run(ReportOptions(storePath: dir + "/nope.sqlite", outDir: dir + "/o")) }
        XCTAssertTrue(m3.contains("no experiment store at \(dir)/nope.sqlite"), m3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/nope.sqlite"), "a missing store is not created")
        let m4 = message { _ = try ReportSelection.parseRunIDs("3,x") }
        XCTAssertTrue(m4.contains("--runs: cannot read '3,x'"), m4)
        let m5 = message { _ = try ReportFormat.parseList("md,pdf") }
        XCTAssertTrue(m5.contains("unknown format 'pdf'; choose from md, html, csv, json"), m5)
    }

    func testEmptySweepAndStoreWithoutSweeps() throws {
        let dir = Fixtures.tempDir("empty", self)
        let store = try ExperimentStore(path: dir + "/s.sqlite")
        let m0 = message { _ = try ReportGenerator.run(ReportOptions(storePath: store.path, outDir: dir + "/o")) }
        XCTAssertTrue(m0.contains("holds no sweep"), m0)
        let sw = try store.findOrCreateSweep(name: "empty", spec: "")
        try store.enqueue([RunSpec(name: "a", role: .teacher, config: "{}", configHash: "h", seed: 1)], sweep: sw)
        let m1 = message { _ = try ReportGenerator.run(ReportOptions(storePath: store.path, selection: .sweep("empty"), outDir: dir + "/o")) }
        XCTAssertTrue(m1.contains("sweep 'empty' in \(store.path) has no finished run (1 queued)"), m1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o"))
    }

    func testUnwritableFolderLeavesNothing() throws {
        let dir = Fixtures.tempDir("unwritable", self)
        try Fixtures.makeStore(at: dir)
        // Tests may run as root, which ignores permission bits: a path through a regular file
        // cannot be written by anyone.
        try "x".write(toFile: dir + "/afile", atomically: true, encoding: .utf8)
        let m = message { _ = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/afile/out")) }
        XCTAssertTrue(m.hasPrefix("cannot write the report to \(dir)/afile/out:"), m)
        XCTAssertTrue(m.contains("\(dir)/afile is a file, not a folder"), m)
        XCTAssertTrue(m.contains("pass --out DIR"), m)
        let m2 = message { _ = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/afile")) }
        XCTAssertTrue(m2.contains("it is a file, not a folder"), m2)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertFalse(names.contains { $0.hasPrefix(".report-tmp") }, "\(names)")
    }

    func testFailureWhileStagingRemovesTheTemporaryFolder() throws {
        let dir = Fixtures.tempDir("staging", self)
        // A file whose path runs through another file fails after the staging folder was made.
        let files: [(path: String, bytes: Data)] = [("report.md", Data("a".utf8)), ("report.md/x", Data("b".utf8))]
        let m = message { _ = try ReportWriter.write(files, to: dir + "/out") }
        XCTAssertTrue(m.contains("cannot write the report to"), m)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "nothing half-written")
    }
}
