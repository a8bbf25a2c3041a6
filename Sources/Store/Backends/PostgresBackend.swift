// The PostgreSQL backend: one connection per store object, used by one transaction at a time
// (a lock serializes the worker's main thread and its heartbeat timer). Writes run at READ
// COMMITTED; the queries that read rows they go on to change lock them (`FOR UPDATE`), the
// claim skips rows another claimer holds (`FOR UPDATE SKIP LOCKED`), and a transaction the
// server aborts as a deadlock or serialization failure is retried — those always roll back
// whole, so a retry never applies anything twice. A broken connection is re-opened before the
// next transaction, never in the middle of one (a COMMIT whose answer was lost may have
// happened). Reads see one snapshot (REPEATABLE READ, READ ONLY).
import Foundation

final class PostgresBackend: StoreBackend {
    let url: String
    let display: String
    private let connection: PostgresConnection
    private let lock = NSLock()
    var dialect: SQLDialect { .postgres }

    /// Advisory-lock namespace of ReidKD ('ReKD'): key (namespace, 0) serializes migrations,
    /// (namespace, n > 0) are workers' leases.
    static let lockNamespace: Int64 = 0x5265_4B44

    init(url: String, display: String) throws {
        self.url = url
        self.display = display
        connection = try PostgresConnection(url: url, display: display)
    }

    func write<T>(_ body: (SQLConnection) throws -> T) throws -> T {
        try transaction("BEGIN", retries: 8, body)
    }

    func read<T>(_ body: (SQLConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", retries: 0, body)
    }

    private func transaction<T>(_ begin: String, retries: Int, _ body: (SQLConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        var attempt = 0
        while true {
            if !connection.isUp { try connection.reconnect() }
            try connection.executeScript(begin)
            do {
                let result = try body(connection)
                try connection.executeScript("COMMIT")
                return result
            } catch {
                if connection.isUp { try? connection.executeScript("ROLLBACK") }
                attempt += 1
                guard attempt <= retries, let f = error as? SQLFailure, f.code == "40001" || f.code == "40P01" else { throw error }
                usleep(UInt32.random(in: 1_000...20_000) * UInt32(attempt))
            }
        }
    }

    /// A second connection, for a worker's lease (an advisory lock held for the session's life).
    func newConnection() throws -> PostgresConnection { try PostgresConnection(url: url, display: display) }

    /// Applies pending `migrations` (the SQLite SQL, translated) in one transaction under the
    /// migration lock, recording each in `grdb_migrations` like GRDB does on SQLite. Returns the
    /// identifiers applied. With `create` false, a database without the table is not a store yet.
    func migrate(_ migrations: [(id: String, sql: String)], overrides: [String: String], create: Bool) throws -> [String] {
        try write { db in
            try db.executeScript("SELECT pg_advisory_xact_lock(\(Self.lockNamespace), 0)")
            let exists = try db.fetchOne(Bool.self, sql: "SELECT to_regclass('grdb_migrations') IS NOT NULL") ?? false
            if !exists {
                guard create else { throw StoreError.missingStore(path: display) }
                try db.executeScript("CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            }
            let applied = try db.fetchAll(String.self, sql: "SELECT identifier FROM grdb_migrations")
            let known = migrations.map(\.id)
            let unknown = applied.filter { !known.contains($0) }
            if !unknown.isEmpty { throw StoreError.newerSchema(path: display, unknown: unknown.sorted(), known: known) }
            var done: [String] = []
            for m in migrations where !applied.contains(m.id) {
                try db.executeScript(overrides[m.id] ?? SQLDialect.postgres.ddl(m.sql))
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [m.id])
                done.append(m.id)
            }
            return done
        }
    }
}
