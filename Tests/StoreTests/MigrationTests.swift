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

final class PrunedStatusMigrationTests: XCTestCase {
    /// A store written before v4 (runs with params, metrics, summary, artifacts) keeps every row
    /// when `runs` is rebuilt for the `pruned` status, and then accepts it.
    func testV4KeepsEveryRowAndAcceptsPruned() throws {
        let path = NSTemporaryDirectory() + "reidkd-v4-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let db = try DatabaseQueue(path: path)
            try db.write { try $0.execute(sql: "PRAGMA foreign_keys = ON") }
            try Schema.migrator.migrate(db, upTo: "v3-supervised-runs")
            try db.write { db in
                try db.execute(sql: "INSERT INTO sweeps (name, spec) VALUES ('s', 'name: s')")
                try db.execute(sql: "INSERT INTO runs (sweep_id, name, role, status, config, config_hash, seed, blas, lease) VALUES (1, 'a', 'student', 'running', '{}', 'h', 1, 'OpenBLAS', 'L')")
                try db.execute(sql: "INSERT INTO params (run_id, key, value) VALUES (1, 'KD.METHOD', 'kl')")
                try db.execute(sql: "INSERT INTO metrics (run_id, key, step, epoch, value, wall_time) VALUES (1, 'eval_mAP', 5, 2, 0.5, 1)")
                try db.execute(sql: "INSERT INTO summary (run_id, key, value) VALUES (1, 'mAP', 50)")
                try db.execute(sql: "INSERT INTO artifacts (run_id, kind, path, sha256, bytes) VALUES (1, 'checkpoint', '/x', '00', 1)")
            }
        }
        let store = try ExperimentStore(path: path, create: false)
        XCTAssertEqual(store.appliedMigrations, ["v4-pruned-status"])
        let run = try store.run(1)
        XCTAssertEqual([run.name, run.blas], ["a", "OpenBLAS"])
        XCTAssertEqual(try store.params(run: 1), ["KD.METHOD": "kl"])
        XCTAssertEqual(try store.metricSeries(run: 1, key: "eval_mAP").map(\.value), [0.5])
        XCTAssertEqual(try store.summary(run: 1)["mAP"], 50)
        XCTAssertEqual(try store.artifacts(run: 1).count, 1)
        try store.finish(run: 1, summary: ["pruned_at_epoch": 2], artifacts: [], as: .pruned, note: "pruned at epoch 2: below the median")
        XCTAssertEqual(try store.run(1).status, .pruned)
        XCTAssertEqual(try store.read("") { try String.fetchOne($0, sql: "PRAGMA integrity_check") }, "ok")
        XCTAssertEqual(try store.read("") { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }.count, 0)
    }
}
