// The SQLite backend: one GRDB DatabaseQueue on the store file (WAL journal, busy timeout,
// foreign keys on; writes are IMMEDIATE transactions — Store.swift opens it). Statements are
// prepared once and cached by GRDB.
import Foundation
import Support
import GRDB

final class SQLiteBackend: StoreBackend {
    let queue: DatabaseQueue
    var dialect: SQLDialect { .sqlite }

    init(queue: DatabaseQueue) { self.queue = queue }

    /// Opens (creating, with its folder, when `create`) the file at `path`.
    static func open(path: String, create: Bool, busyTimeout: TimeInterval) throws -> SQLiteBackend {
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
            return SQLiteBackend(queue: try openQueue(path: path, configuration: config, patience: busyTimeout))
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB || e.resultCode == .SQLITE_CORRUPT {
            throw StoreError.notAStore(path: path, message: e.message ?? "\(e.resultCode)")
        } catch {
            // SQLite says "unable to open database file"; the folder's permissions say why.
            let why = FileSystem.diagnose(path).map { "; \($0)" } ?? ""
            throw StoreError.database(path: path, action: "opening", message: message(error) + why)
        }
    }

    static func inMemory() throws -> SQLiteBackend {
        var config = Configuration()
        config.foreignKeysEnabled = true
        return SQLiteBackend(queue: try DatabaseQueue(configuration: config))
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

    /// Runs pending migrations (GRDB's DatabaseMigrator, table `grdb_migrations`). Several
    /// processes may open a fresh store at the same moment; GRDB applies each migration in its
    /// own transaction but reads the applied list before it, so the loser of that race fails on
    /// "table already exists" after the winner committed. Its transaction rolled back cleanly,
    /// so re-reading the applied list and retrying is safe.
    func migrate(path: String) throws -> [String] {
        let known = Schema.migrations.map(\.id)
        let migrator = Schema.migrator
        var lastError: Error?
        for _ in 0..<5 {
            let before = try applied(path: path)
            let unknown = before.filter { !known.contains($0) }
            if !unknown.isEmpty { throw StoreError.newerSchema(path: path, unknown: unknown.sorted(), known: known) }
            let pending = known.filter { !before.contains($0) }
            if pending.isEmpty { return [] }
            do {
                try migrator.migrate(queue)
                return pending
            } catch {
                lastError = error
                if try applied(path: path).count > before.count { continue }  // lost the race: retry
                if Self.isBusy(error) { usleep(UInt32.random(in: 2_000...30_000)); continue }
                break
            }
        }
        throw StoreError.database(path: path, action: "migrating the schema", message: Self.message(lastError!))
    }

    /// Identifiers recorded in `grdb_migrations` (empty for a new file).
    func applied(path: String) throws -> [String] {
        do {
            return try queue.read { db in
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

    func write<T>(_ body: (SQLConnection) throws -> T) throws -> T {
        try Self.translatingErrors { try queue.write { db in try body(SQLiteConnection(db)) } }
    }

    func read<T>(_ body: (SQLConnection) throws -> T) throws -> T {
        try Self.translatingErrors { try queue.read { db in try body(SQLiteConnection(db)) } }
    }

    /// GRDB's errors as `SQLFailure` (StoreError passes through).
    static func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DatabaseError {
            throw SQLFailure(message: e.message ?? "\(e.resultCode)", code: "\(e.resultCode)")
        }
    }
}

final class SQLiteConnection: SQLConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    init(_ db: Database) { self.db = db }

    func run(_ sql: String, _ arguments: [SQLValue]) throws -> (rows: [SQLRow], changes: Int) {
        let statement = try db.cachedStatement(sql: sql)
        let args = StatementArguments(arguments.map(Self.databaseValue))
        if statement.columnCount == 0 {
            try statement.execute(arguments: args)
            return ([], db.changesCount)
        }
        let columns = SQLRow.Columns(statement.columnNames)
        let rows = try Row.fetchAll(statement, arguments: args).map { row in
            SQLRow(columns: columns, values: row.databaseValues.map(Self.value))
        }
        return (rows, db.changesCount)
    }

    func insertMany(_ head: String, width: Int, rows: [[SQLValue]], tail: String) throws {
        guard !rows.isEmpty else { return }
        let marks = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        let statement = try db.cachedStatement(sql: "\(head) VALUES \(marks) \(tail)")
        for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue))) }
    }

    func executeScript(_ sql: String) throws { try db.execute(sql: sql) }

    static func databaseValue(_ v: SQLValue) -> DatabaseValue {
        switch v {
        case .null: return .null
        case .integer(let i): return i.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }

    static func value(_ v: DatabaseValue) -> SQLValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
        }
    }
}
