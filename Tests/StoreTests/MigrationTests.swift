// Opening, migrating and the error cases of opening: new file, re-open, newer schema, missing
// file, a file that is not SQLite.
import XCTest
import Foundation
@testable import Store
import GRDB

final class MigrationTests: XCTestCase {
    func testNewStoreIsMigratedWithParentDirectoryCreated() throws {
        let path = tempDir() + "/nested/dir/reidkd.sqlite"
        let store = try ExperimentStore(path: path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(store.appliedMigrations, Schema.migrations.map(\.id))
        XCTAssertEqual(try store.schemaVersion(), Schema.migrations.count)
        let tables = try store.read("") { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for t in ["artifacts", "metrics", "params", "runs", "summary", "sweeps"] { XCTAssertTrue(tables.contains(t), "missing table \(t): \(tables)") }
        let mode = try store.read("") { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
        let fk = try store.read("") { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
        XCTAssertEqual(fk, 1)
    }

    func testReopenRunsNoMigrationAndKeepsData() throws {
        let path = tempDir() + "/s.sqlite"
        do {
            let store = try ExperimentStore(path: path)
            let sweep = try store.findOrCreateSweep(name: "a", spec: "x: 1")
            try store.enqueue(plan(students: 1), sweep: sweep)
        }
        let again = try ExperimentStore(path: path, create: false)
        XCTAssertEqual(again.appliedMigrations, [])
        XCTAssertEqual(try again.runs().count, 2)
        let rows = try again.read("") { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        XCTAssertEqual(rows, Schema.migrations.count)
    }

    func testNewerSchemaGivesClearError() throws {
        let path = tempDir() + "/s.sqlite"
        try ExperimentStore(path: path).execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        let m = message { try ExperimentStore(path: path) }
        XCTAssertTrue(m.contains("newer ReidKD") && m.contains("v9-from-the-future") && m.contains(path), m)
    }

    func testMissingStoreIsNotCreatedWhenReading() {
        let path = tempDir() + "/nothing.sqlite"
        XCTAssertEqual(message { try ExperimentStore(path: path, create: false) }, StoreError.missingStore(path: path).description)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertTrue(StoreError.missingStore(path: path).description.contains("--store"))
    }

    func testGarbageFileIsNotAStore() throws {
        let path = tempDir() + "/junk.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let m = message { try ExperimentStore(path: path, create: false) }
        XCTAssertTrue(m.contains("is not a ReidKD experiment store") && m.contains(path), m)
    }

    func testPlainSqlite3ClientReadsTheStore() throws {
        let cli = "/usr/bin/sqlite3"
        guard FileManager.default.isExecutableFile(atPath: cli) else { throw XCTSkip("sqlite3 client not installed") }
        let path = tempDir() + "/s.sqlite"
        let store = try ExperimentStore(path: path)
        let run = try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "cli", spec: ""))[0]
        try store.logMetrics(run: run.id, [MetricPoint(key: "loss_ce", step: 1, epoch: 0, value: 2.5),
                                           MetricPoint(key: "loss_ce", step: 2, epoch: 0, value: .nan)])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cli)
        p.arguments = [path, "SELECT r.name, r.status, m.step, quote(m.value), substr(r.created_at, 11, 1) FROM runs r JOIN metrics m ON m.run_id = r.id ORDER BY m.step"]
        let out = Pipe(); p.standardOutput = out
        try p.run(); p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(text, "teacher|queued|1|2.5|T\nteacher|queued|2|NULL|T\n")
    }

    /// Many connections opening one fresh file at once race to migrate it (the process-level
    /// version is in ConcurrencyTests); the losers must retry, not fail on "table already exists".
    func testConcurrentFirstOpensAllSucceed() throws {
        let dir = tempDir()
        for round in 0..<30 {
            let path = dir + "/race-\(round).sqlite"
            let errors = ErrorBox()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try ExperimentStore(path: path) } catch { errors.add("\(error)") }
            }
            XCTAssertEqual(errors.all, [], "round \(round)")
            XCTAssertEqual(try ExperimentStore(path: path).schemaVersion(), Schema.migrations.count)
        }
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
