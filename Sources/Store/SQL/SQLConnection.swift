// What the store's queries run on: a connection inside a transaction, the same interface for
// SQLite (GRDB) and PostgreSQL (libpq). SQL is written once, with `?` placeholders and the
// dialect's few differing fragments (SQLDialect); each backend binds and converts values.
import Foundation

/// A connection inside a transaction (a `write` or `read` of a `StoreBackend`).
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one statement with `?` placeholders; its rows (RETURNING, SELECT) and the number of
    /// rows it changed.
    func run(_ sql: String, _ arguments: [SQLValue]) throws -> (rows: [SQLRow], changes: Int)
    /// `head VALUES (…), (…) tail` for many rows of `width` values: one prepared statement per
    /// row on SQLite, multi-row statements on PostgreSQL (one round trip per chunk). Rows that
    /// would conflict with each other must have been merged by the caller.
    func insertMany(_ head: String, width: Int, rows: [[SQLValue]], tail: String) throws
    /// Several statements without parameters (migrations).
    func executeScript(_ sql: String) throws
}

extension SQLConnection {
    @discardableResult
    func execute(sql: String, arguments: SQLArguments = []) throws -> Int {
        try run(sql, arguments.sqlValues).changes
    }
    func fetchAll(sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try run(sql, arguments.sqlValues).rows
    }
    func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try run(sql, arguments.sqlValues).rows.first
    }
    /// The first column of every row, as `T` (NULLs dropped).
    func fetchAll<T: SQLReadable>(_: T.Type, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try run(sql, arguments.sqlValues).rows.compactMap { $0.values.first.flatMap(T.read) }
    }
    /// The first column of the first row, as `T`.
    func fetchOne<T: SQLReadable>(_: T.Type, sql: String, arguments: SQLArguments = []) throws -> T? {
        try run(sql, arguments.sqlValues).rows.first?.values.first.flatMap(T.read)
    }
}

/// One database: transactions on its connection(s).
protocol StoreBackend: AnyObject {
    var dialect: SQLDialect { get }
    /// A write transaction; committed when `body` returns, rolled back when it throws.
    func write<T>(_ body: (SQLConnection) throws -> T) throws -> T
    /// A read-only transaction on a consistent snapshot.
    func read<T>(_ body: (SQLConnection) throws -> T) throws -> T
}

/// A failure the database reported, with its code (SQLite result code or PostgreSQL SQLSTATE).
struct SQLFailure: Error, CustomStringConvertible {
    let message: String
    let code: String?
    var description: String { code.map { "\(message) (\($0))" } ?? message }
}
