// ExperimentStore: one SQLite file (GRDB DatabaseQueue) shared by the sweep runner, its worker
// processes, the CLI and the report. WAL journal so readers never block the writer, a busy
// timeout so several processes writing at once wait instead of failing with "database is
// locked", foreign keys on, and every write in an IMMEDIATE transaction (GRDB's default for
// writes) so a transaction takes the write lock up front and never needs a lock upgrade, which
// SQLite cannot wait for.
import Foundation
import Support
import GRDB

/// Defaults of the store (the one place they live).
public enum StoreDefaults {
    /// Where every command reads and writes unless given `--store PATH`.
    public static let path = "results/reidkd.sqlite"
    /// How long a writer waits for another process's write transaction before giving up.
    public static let busyTimeout: TimeInterval = 30
    /// How often a worker's lease refreshes its run's heartbeat.
    public static let heartbeatInterval: TimeInterval = 30
    /// A run claimed on another host whose heartbeat is older than this is taken for dead.
    public static let staleAfter: TimeInterval = 600
}

public final class ExperimentStore: @unchecked Sendable {
    /// The database file.
    public let path: String
    /// Migration identifiers this `open` applied (empty when the file was already current).
    public let appliedMigrations: [String]
    /// Where workers keep their lease files (`<store>.locks`, absolute).
    public let lockDirectory: String
    let db: DatabaseQueue

    /// Opens the store at `path`, creating it (and its parent directory) when `create` is true,
    /// and brings its schema up to date. Throws `StoreError.missingStore` when `create` is false and
    /// the file does not exist, `.newerSchema` when a newer ReidKD wrote it, `.notAStore` for a
    /// file that is not SQLite.
    public init(path: String = StoreDefaults.path, create: Bool = true,
                busyTimeout: TimeInterval = StoreDefaults.busyTimeout) throws {
        self.path = path
        lockDirectory = URL(fileURLWithPath: path).standardizedFileURL.path + ".locks"
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else { throw StoreError.missingStore(path: path) }
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileSystem.createFolder(parent)
        }
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "ReidKD store"
        do {
            db = try Self.openQueue(path: path, configuration: config, patience: busyTimeout)
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB || e.resultCode == .SQLITE_CORRUPT {
            throw StoreError.notAStore(path: path, message: e.message ?? "\(e.resultCode)")
        } catch {
            // SQLite says "unable to open database file"; the folder's permissions say why.
            let why = FileSystem.diagnose(path).map { "; \($0)" } ?? ""
            throw StoreError.database(path: path, action: "opening", message: Self.message(error) + why)
        }
        appliedMigrations = try Self.migrate(db, path: path)
    }

    /// A store that lives in memory only (nothing is written to disk): for plans that must not
    /// leave a trace, such as `reidkd sweep --dry-run`.
    public static func inMemory() throws -> ExperimentStore { try ExperimentStore(memory: ()) }

    private init(memory: Void) throws {
        path = ":memory:"
        lockDirectory = NSTemporaryDirectory() + "reidkd-memory-store-\(getpid()).locks"
        var config = Configuration()
        config.foreignKeysEnabled = true
        db = try DatabaseQueue(configuration: config)
        appliedMigrations = try Self.migrate(db, path: path)
    }

    /// Opens the connection. Switching a fresh file to WAL (and GRDB's WAL setup write) can meet
    /// another process doing the same and get SQLITE_BUSY without the busy handler being called
    /// (seen in MigrationTests.testConcurrentFirstOpensAllSucceed), so retry with a short random
    /// back-off, for at most `patience` seconds.
    static func openQueue(path: String, configuration: Configuration, patience: TimeInterval) throws -> DatabaseQueue {
        let start = Date()
        while true {
            do { return try DatabaseQueue(path: path, configuration: configuration) } catch let e as DatabaseError
                where isBusy(e) && Date().timeIntervalSince(start) < patience {
                usleep(UInt32.random(in: 2_000...30_000))
            }
        }
    }

    static func isBusy(_ e: Error) -> Bool {
        guard let e = e as? DatabaseError else { return false }
        return e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED
    }

    /// Runs pending migrations. Several processes may open a fresh store at the same moment;
    /// GRDB applies each migration in its own transaction but reads the applied list before it,
    /// so the loser of that race fails on "table already exists" after the winner committed.
    /// Its transaction rolled back cleanly, so re-reading the applied list and retrying is safe.
    static func migrate(_ db: DatabaseQueue, path: String) throws -> [String] {
        let known = Schema.migrations.map(\.id)
        let migrator = Schema.migrator
        var lastError: Error?
        for _ in 0..<5 {
            let before = try applied(db, path: path)
            let unknown = before.filter { !known.contains($0) }
            if !unknown.isEmpty { throw StoreError.newerSchema(path: path, unknown: unknown.sorted(), known: known) }
            let pending = known.filter { !before.contains($0) }
            if pending.isEmpty { return [] }
            do {
                try migrator.migrate(db)
                return pending
            } catch {
                lastError = error
                if try applied(db, path: path).count > before.count { continue }  // lost the race: retry
                if isBusy(error) { usleep(UInt32.random(in: 2_000...30_000)); continue }
                break
            }
        }
        throw StoreError.database(path: path, action: "migrating the schema", message: Self.message(lastError!))
    }

    /// Identifiers recorded in `grdb_migrations` (empty for a new file).
    static func applied(_ db: DatabaseQueue, path: String) throws -> [String] {
        do {
            return try db.read { db in
                guard try db.tableExists("grdb_migrations") else { return [] }
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB || e.resultCode == .SQLITE_CORRUPT {
            throw StoreError.notAStore(path: path, message: e.message ?? "\(e.resultCode)")
        } catch {
            throw StoreError.database(path: path, action: "reading the schema version", message: Self.message(error))
        }
    }

    static func message(_ error: Error) -> String {
        if let e = error as? DatabaseError { return e.message.map { "\($0) (\(e.resultCode))" } ?? "\(e.resultCode)" }
        return "\(error)"
    }

    /// A write transaction (IMMEDIATE); SQLite errors become `StoreError.database` naming `action`.
    func write<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        do { return try db.write(body) } catch let e as StoreError { throw e } catch {
            throw StoreError.database(path: path, action: action, message: Self.message(error))
        }
    }

    /// A read (a consistent snapshot in WAL mode).
    func read<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        do { return try db.read(body) } catch let e as StoreError { throw e } catch {
            throw StoreError.database(path: path, action: action, message: Self.message(error))
        }
    }

    /// SQLite's `PRAGMA integrity_check`: ["ok"] for an intact file, else the problems found.
    public func integrityCheck() throws -> [String] {
        try read("checking the integrity of the store") { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    }

    /// The schema version (`PRAGMA user_version`), for diagnostics.
    public func schemaVersion() throws -> Int {
        try read("reading the schema version") { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 }
    }
}

/// Timestamps are stored as ISO-8601 UTC text with milliseconds.
enum StoreTime {
    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }
}

extension ExperimentStore {
    /// Runs raw SQL in a write transaction. For tests and maintenance (e.g. simulating a newer
    /// schema); library code uses the typed API.
    func execute(sql: String) throws {
        try write("executing SQL") { try $0.execute(sql: sql) }
    }
}
