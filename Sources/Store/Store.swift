// ExperimentStore: the experiment database shared by the sweep, its workers, the CLI and the
// report. Two backends behind one API (`--store` / REIDKD_STORE picks): an SQLite file, the
// embedded default (GRDB; WAL journal so readers never block the writer, a busy timeout so
// writers wait instead of failing with "database is locked", IMMEDIATE write transactions that
// never need a lock upgrade), or a PostgreSQL database (`postgresql://user@host:port/db`, libpq),
// which workers on many hosts can share. Same schema and migrations on both (Schema.swift,
// SQLDialect.swift).
import Foundation
import Support

/// Defaults of the store (the one place they live).
public enum StoreDefaults {
    /// The store of every command unless given `--store`: $REIDKD_STORE, else the SQLite file
    /// `results/reidkd.sqlite`.
    public static var path: String {
        if let s = ProcessInfo.processInfo.environment[environmentVariable], !s.isEmpty { return s }
        return sqlitePath
    }
    /// The embedded default.
    public static let sqlitePath = "results/reidkd.sqlite"
    /// Where results go when nothing else says (the folder of the default SQLite file).
    public static let resultsRoot = "results"
    /// Names the default store (a path or a `postgresql://` URL).
    public static let environmentVariable = "REIDKD_STORE"
    /// How long a writer waits for another process's write transaction before giving up.
    public static let busyTimeout: TimeInterval = 30
    /// How often a worker's lease refreshes its run's heartbeat.
    public static let heartbeatInterval: TimeInterval = 30
    /// A run claimed on another host whose heartbeat is older than this is taken for dead
    /// (SQLite stores, where this host cannot see another host's lock file; PostgreSQL leases
    /// are visible from every host and decide by themselves).
    public static let staleAfter: TimeInterval = 600
}

public final class ExperimentStore: @unchecked Sendable {
    /// The store for messages: the SQLite file, or the PostgreSQL URL with its password masked.
    public let path: String
    /// Where the store is, as given.
    public let location: StoreLocation
    /// Migration identifiers this `open` applied (empty when the store was already current).
    public let appliedMigrations: [String]
    /// Where workers keep their lease files (`<store>.locks`, absolute) on SQLite; empty on
    /// PostgreSQL, whose leases are advisory locks.
    public let lockDirectory: String
    let backend: StoreBackend
    var dialect: SQLDialect { backend.dialect }

    /// Opens the store at `path` (a file path or a `postgresql://` URL), creating it when
    /// `create` is true (an SQLite file and its folder; on PostgreSQL the tables, in a database
    /// that must exist), and brings its schema up to date. Throws `StoreError.missingStore`
    /// when `create` is false and there is no store, `.newerSchema` when a newer ReidKD wrote
    /// it, `.notAStore` for a file that is not SQLite, `.database` when it cannot be reached.
    public init(path: String = StoreDefaults.path, create: Bool = true,
                busyTimeout: TimeInterval = StoreDefaults.busyTimeout) throws {
        location = StoreLocation(path)
        self.path = location.display
        switch location {
        case .sqlite(let file):
            lockDirectory = URL(fileURLWithPath: file).standardizedFileURL.path + ".locks"
            let sqlite = try SQLiteBackend.open(path: file, create: create, busyTimeout: busyTimeout)
            backend = sqlite
            appliedMigrations = try sqlite.migrate(path: file)
        case .postgres(let url):
            lockDirectory = ""
            let pg: PostgresBackend
            // (`self.path`: the parameter `path` is the URL as given, password and all.)
            do { pg = try PostgresBackend(url: url, display: self.path) } catch {
                throw StoreError.database(path: self.path, action: "connecting", message: Self.message(error))
            }
            backend = pg
            do {
                appliedMigrations = try pg.migrate(Schema.migrations, overrides: Schema.postgresMigrations, create: create)
            } catch let e as StoreError { throw e } catch {
                throw StoreError.database(path: self.path, action: "migrating the schema", message: Self.message(error))
            }
        }
    }

    /// A store that lives in memory only (nothing is written to disk): for plans that must not
    /// leave a trace, such as `reidkd sweep --dry-run`.
    public static func inMemory() throws -> ExperimentStore { try ExperimentStore(memory: ()) }

    private init(memory: Void) throws {
        path = ":memory:"
        location = .sqlite(path: ":memory:")
        lockDirectory = NSTemporaryDirectory() + "reidkd-memory-store-\(getpid()).locks"
        let sqlite = try SQLiteBackend.inMemory()
        backend = sqlite
        appliedMigrations = try sqlite.migrate(path: path)
    }

    static func message(_ error: Error) -> String {
        if let e = error as? SQLFailure { return e.description }
        return "\(error)"
    }

    /// A write transaction; database errors become `StoreError.database` naming `action`.
    @discardableResult
    func write<T>(_ action: String, _ body: (SQLConnection) throws -> T) throws -> T {
        do { return try backend.write(body) } catch let e as StoreError { throw e } catch {
            throw StoreError.database(path: path, action: action, message: Self.message(error))
        }
    }

    /// A read (one consistent snapshot).
    func read<T>(_ action: String, _ body: (SQLConnection) throws -> T) throws -> T {
        do { return try backend.read(body) } catch let e as StoreError { throw e } catch {
            throw StoreError.database(path: path, action: action, message: Self.message(error))
        }
    }

    /// SQLite's `PRAGMA integrity_check` (["ok"] for an intact file, else the problems found);
    /// on PostgreSQL, whose server keeps its own files consistent, ["ok"] once a query answers.
    public func integrityCheck() throws -> [String] {
        try read("checking the integrity of the store") { db in
            db.dialect == .sqlite ? try db.fetchAll(String.self, sql: "PRAGMA integrity_check")
                : [try db.fetchOne(Int.self, sql: "SELECT 1") == 1 ? "ok" : "no answer"]
        }
    }

    /// The schema version: how many migrations are applied (SQLite's `PRAGMA user_version`).
    public func schemaVersion() throws -> Int {
        try read("reading the schema version") { db in
            db.dialect == .sqlite ? try db.fetchOne(Int.self, sql: "PRAGMA user_version") ?? 0
                : try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM grdb_migrations") ?? 0
        }
    }
}

/// Timestamps: ISO-8601 UTC text with milliseconds on SQLite (`2026-11-26T17:46:00.123Z`),
/// TIMESTAMPTZ on PostgreSQL, read in a UTC session (`2026-11-26 17:46:00.123456+00`).
enum StoreTime {
    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let u = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= u.count else { return nil }
            var v = 0
            for i in at..<(at + n) { guard u[i] >= 48 && u[i] <= 57 else { return nil }; v = v * 10 + Int(u[i] - 48) }
            return v
        }
        guard u.count >= 19, let y = digits(0, 4), let mo = digits(5, 2), let d = digits(8, 2),
              let h = digits(11, 2), let mi = digits(14, 2), let s = digits(17, 2),
              u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " ") else { return nil }
        var i = 19, fraction = 0.0
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < u.count, u[i] >= 48 && u[i] <= 57 { fraction += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
        }
        var offset = 0
        if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) {
            let sign = u[i] == UInt8(ascii: "+") ? 1 : -1
            guard let oh = digits(i + 1, 2) else { return nil }
            var om = 0
            if i + 3 < u.count { om = digits(i + 3 + (u[i + 3] == UInt8(ascii: ":") ? 1 : 0), 2) ?? 0 }
            offset = sign * (oh * 3600 + om * 60)
        }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(s)
        return Date(timeIntervalSince1970: Double(timegm(&t) - offset) + fraction)
    }
}

extension ExperimentStore {
    /// Runs raw SQL in a write transaction. For tests and maintenance (e.g. simulating a newer
    /// schema); library code uses the typed API.
    func execute(sql: String) throws {
        try write("executing SQL") { try $0.executeScript(sql) }
    }
}
