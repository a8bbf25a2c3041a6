// Opening, migrating and the error cases of opening: new file (or schema), re-open, newer
// schema, missing store, a file that is not SQLite, a server that does not answer; the plain
// clients (sqlite3, psql) read what the store wrote.
import XCTest
import Foundation
@testable import Store
import GRDB

final class MigrationTests: XCTestCase {
    func testNewStoreIsMigratedWithParentDirectoryCreated() throws {
        try TestBackend.sqliteOnly("a store file, its folder, WAL and SQLite's foreign-key pragma")
        let path = tempDir() + "/nested/dir/reidkd.sqlite"
        let store = try ExperimentStore(path: path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(store.appliedMigrations, Schema.migrations.map(\.id))
        XCTAssertEqual(try store.schemaVersion(), Schema.migrations.count)
        let tables = try store.read("") { try $0.fetchAll(String.self, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for t in ["artifacts", "metrics", "params", "runs", "summary", "sweeps"] { XCTAssertTrue(tables.contains(t), "missing table \(t): \(tables)") }
        let mode = try store.read("") { try $0.fetchOne(String.self, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
        let fk = try store.read("") { try $0.fetchOne(Int.self, sql: "PRAGMA foreign_keys") }
        XCTAssertEqual(fk, 1)
    }

    func testReopenRunsNoMigrationAndKeepsData() throws {
        let path = try freshStoreLocation()
        do {
            let store = try ExperimentStore(path: path)
            let sweep = try store.findOrCreateSweep(name: "a", spec: "x: 1")
            try store.enqueue(plan(students: 1), sweep: sweep)
        }
        let again = try ExperimentStore(path: path, create: false)
        XCTAssertEqual(again.appliedMigrations, [])
        XCTAssertEqual(try again.runs().count, 2)
        let rows = try again.read("") { try $0.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        XCTAssertEqual(rows, Schema.migrations.count)
    }

    func testNewerSchemaGivesClearError() throws {
        let path = try freshStoreLocation()
        let store = try ExperimentStore(path: path)
        try store.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        let m = message { try ExperimentStore(path: path) }
        XCTAssertTrue(m.contains("newer ReidKD") && m.contains("v9-from-the-future") && m.contains(store.path), m)
    }

    func testMissingStoreIsNotCreatedWhenReading() throws {
        try TestBackend.sqliteOnly("a missing file (PostgreSQL: testEmptySchemaIsNoStoreWhenReading)")
        let path = tempDir() + "/nothing.sqlite"
        XCTAssertEqual(message { try ExperimentStore(path: path, create: false) }, StoreError.missingStore(path: path).description)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertTrue(StoreError.missingStore(path: path).description.contains("--store"))
    }

    func testGarbageFileIsNotAStore() throws {
        try TestBackend.sqliteOnly("a file that is not SQLite")
        let path = tempDir() + "/junk.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let m = message { try ExperimentStore(path: path, create: false) }
        XCTAssertTrue(m.contains("is not a ReidKD experiment store") && m.contains(path), m)
    }

    func testPlainSqlite3ClientReadsTheStore() throws {
        let cli = "/usr/bin/sqlite3"
        try TestBackend.sqliteOnly("the sqlite3 client (PostgreSQL: testPlainPsqlClientReadsTheStore)")
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
        for round in 0..<(TestBackend.isPostgres ? 10 : 30) {
            let path = TestBackend.isPostgres ? try freshStoreLocation("race\(round)") : dir + "/race-\(round).sqlite"
            let errors = ErrorBox()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try ExperimentStore(path: path) } catch { errors.add("\(error)") }
            }
            XCTAssertEqual(errors.all, [], "round \(round)")
            XCTAssertEqual(try ExperimentStore(path: path).schemaVersion(), Schema.migrations.count)
        }
    }
}

final class PostgresMigrationTests: XCTestCase {
    func testNewPostgresStoreHasTheSchemaInPostgresTypes() throws {
        try TestBackend.postgresOnly("the translated schema")
        let store = try freshStore()
        XCTAssertEqual(store.appliedMigrations, Schema.migrations.map(\.id))
        XCTAssertEqual(try store.schemaVersion(), Schema.migrations.count)
        XCTAssertEqual(store.lockDirectory, "", "leases are advisory locks, not files")
        let types = try store.read("") { db in
            try db.fetchAll(sql: """
                SELECT table_name || '.' || column_name AS c, data_type FROM information_schema.columns
                WHERE table_schema = current_schema() ORDER BY 1
                """).reduce(into: [String: String]()) { $0[$1["c"]] = $1["data_type"] }
        }
        XCTAssertEqual(types["runs.id"], "bigint")
        XCTAssertEqual(types["runs.created_at"], "timestamp with time zone")
        XCTAssertEqual(types["runs.heartbeat_at"], "timestamp with time zone")
        XCTAssertEqual(types["metrics.value"], "double precision")
        XCTAssertEqual(types["metrics.step"], "bigint")
        XCTAssertEqual(types["runs.config"], "text")
        XCTAssertEqual(types["sweeps.results_root"], "text")
        // Identity ids, defaults, checks and foreign keys came along.
        let sweep = try store.findOrCreateSweep(name: "p", spec: "")
        let runs = try store.enqueue(plan(students: 1), sweep: sweep)
        XCTAssertEqual(runs.map(\.id), [1, 2])
        XCTAssertNotNil(runs[0].createdAt)
        XCTAssertLessThan(abs(runs[0].createdAt!.timeIntervalSinceNow), 60)
        XCTAssertThrowsError(try store.execute(sql: "UPDATE runs SET status = 'bogus' WHERE id = 1"))
        XCTAssertThrowsError(try store.execute(sql: "INSERT INTO params (run_id, key, value) VALUES (99, 'k', 'v')"))
    }

    func testEmptySchemaIsNoStoreWhenReading() throws {
        try TestBackend.postgresOnly("a database without the store's tables")
        let url = try freshStoreLocation()
        let m = message { try ExperimentStore(path: url, create: false) }
        XCTAssertTrue(m.hasPrefix("no experiment store at postgresql://"), m)
        let tables = try PostgresConnection(url: url, display: "").run("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()", [])
        XCTAssertEqual(tables.rows.first?.values.first, .integer(0), "nothing was created")
    }

    /// No server needed: a refused connection is one line naming the URL, its password masked.
    func testUnreachableServerIsOneLineWithoutThePassword() {
        let m = message { try ExperimentStore(path: "postgresql://reidkd:s3cret@127.0.0.1:1/none?connect_timeout=2", create: false) }
        XCTAssertTrue(m.hasPrefix("experiment store postgresql://reidkd:***@127.0.0.1:1/none"), m)
        XCTAssertTrue(m.contains("connecting failed") && m.contains("cannot connect"), m)
        XCTAssertFalse(m.contains("s3cret"), m)
        XCTAssertFalse(m.contains("\n"), m)
        XCTAssertEqual(StoreLocation.maskingPassword("postgres://u@h/db?password=x&sslmode=require"), "postgres://u@h/db?password=***&sslmode=require")
        XCTAssertEqual(StoreLocation("results/reidkd.sqlite"), .sqlite(path: "results/reidkd.sqlite"))
        XCTAssertTrue(StoreLocation("POSTGRESQL://h/db").isPostgres)
    }

    func testPlainPsqlClientReadsTheStore() throws {
        try TestBackend.postgresOnly("the psql client")
        let psql = ["/usr/bin/psql"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).map { "/usr/lib/postgresql/\($0)/bin/psql" }
        guard let cli = psql.first(where: FileManager.default.isExecutableFile(atPath:)) else { throw XCTSkip("psql client not installed") }
        let url = try freshStoreLocation()
        let store = try ExperimentStore(path: url)
        let run = try store.enqueue(plan(students: 0), sweep: store.findOrCreateSweep(name: "cli", spec: ""))[0]
        try store.logMetrics(run: run.id, [MetricPoint(key: "loss_ce", step: 1, epoch: 0, value: 2.5),
                                           MetricPoint(key: "loss_ce", step: 2, epoch: 0, value: .nan)])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cli)
        p.arguments = ["-X", "-A", "-t", "-F", "|", "-P", "null=NULL", url, "-c",
                       "SELECT r.name, r.status, m.step, m.value, extract(year from r.created_at) >= 2026 FROM runs r JOIN metrics m ON m.run_id = r.id ORDER BY m.step"]
        let out = Pipe(); p.standardOutput = out
        try p.run(); p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(text, "teacher|queued|1|2.5|t\nteacher|queued|2|NULL|t\n")
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
        XCTAssertEqual(store.appliedMigrations, ["v4-pruned-status", "v5-run-dependencies", "v6-run-jobs"])
        let run = try store.run(1)
        XCTAssertEqual([run.name, run.blas], ["a", "OpenBLAS"])
        XCTAssertEqual(try store.params(run: 1), ["KD.METHOD": "kl"])
        XCTAssertEqual(try store.metricSeries(run: 1, key: "eval_mAP").map(\.value), [0.5])
        XCTAssertEqual(try store.summary(run: 1)["mAP"], 50)
        XCTAssertEqual(try store.artifacts(run: 1).count, 1)
        try store.finish(run: 1, summary: ["pruned_at_epoch": 2], artifacts: [], as: .pruned, note: "pruned at epoch 2: below the median")
        XCTAssertEqual(try store.run(1).status, .pruned)
        XCTAssertEqual(try store.read("") { try $0.fetchOne(String.self, sql: "PRAGMA integrity_check") }, "ok")
        XCTAssertEqual(try store.read("") { try $0.fetchAll(sql: "PRAGMA foreign_key_check") }.count, 0)
    }

    /// The same on PostgreSQL, where v4 is an ALTER of the CHECK (Schema.postgresMigrations): a
    /// store at v3 keeps its rows, then takes `pruned`, `depends_on` and `job`.
    func testV4ToV6OnPostgresKeepEveryRow() throws {
        try TestBackend.postgresOnly("the PostgreSQL text of v4")
        let url = try freshStoreLocation()
        let backend = try PostgresBackend(url: url, display: url)
        XCTAssertEqual(try backend.migrate(Array(Schema.migrations.prefix(3)), overrides: Schema.postgresMigrations, create: true).count, 3)
        try backend.write { db in
            try db.execute(sql: "INSERT INTO sweeps (name, spec) VALUES ('s', 'name: s')")
            try db.execute(sql: "INSERT INTO runs (sweep_id, name, role, status, config, config_hash, seed, blas, lease) VALUES (1, 'a', 'student', 'running', '{}', 'h', 1, 'OpenBLAS', 'L')")
            try db.execute(sql: "INSERT INTO metrics (run_id, key, step, epoch, value, wall_time) VALUES (1, 'eval_mAP', 5, 2, 0.5, 1)")
        }
        XCTAssertThrowsError(try backend.write { try $0.execute(sql: "UPDATE runs SET status = 'pruned' WHERE id = 1") }, "v3 has no pruned")
        let store = try ExperimentStore(path: url, create: false)
        XCTAssertEqual(store.appliedMigrations, ["v4-pruned-status", "v5-run-dependencies", "v6-run-jobs"])
        XCTAssertEqual(try store.metricSeries(run: 1, key: "eval_mAP").map(\.value), [0.5])
        XCTAssertEqual(try store.run(1).blas, "OpenBLAS")
        try store.finish(run: 1, summary: ["pruned_at_epoch": 2], artifacts: [], as: .pruned, note: "pruned at epoch 2")
        XCTAssertEqual(try store.run(1).status, .pruned)
        XCTAssertThrowsError(try store.execute(sql: "UPDATE runs SET status = 'bogus' WHERE id = 1"), "the CHECK is still there")
    }
}
