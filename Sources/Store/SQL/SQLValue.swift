// Values and rows as the store's code sees them, the same for every backend (SQLite through
// GRDB, PostgreSQL through libpq): four storage classes, NULL included, and rows whose columns
// are read by name. Reading a NULL or missing column as a non-optional type is a programming
// error (the schema's NOT NULL constraints make it unreachable), as it is in GRDB.
import Foundation

/// One SQL value: what a parameter binds and what a result column holds.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A Swift value that binds as an SQL parameter.
public protocol SQLBindable { var sqlValue: SQLValue { get } }
/// A Swift value that a result column converts to (nil when it cannot: NULL, another type).
public protocol SQLReadable { static func read(_ value: SQLValue) -> Self? }

extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Int64: SQLBindable, SQLReadable {
    public var sqlValue: SQLValue { .integer(self) }
    public static func read(_ v: SQLValue) -> Int64? {
        switch v {
        case .integer(let i): return i
        case .real(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
        default: return nil
        }
    }
}
extension Int: SQLBindable, SQLReadable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func read(_ v: SQLValue) -> Int? { Int64.read(v).map { Int($0) } }
}
extension Int32: SQLBindable, SQLReadable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func read(_ v: SQLValue) -> Int32? { Int64.read(v).flatMap { Int32(exactly: $0) } }
}
extension Double: SQLBindable, SQLReadable {
    public var sqlValue: SQLValue { .real(self) }
    public static func read(_ v: SQLValue) -> Double? {
        switch v {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }
}
extension String: SQLBindable, SQLReadable {
    public var sqlValue: SQLValue { .text(self) }
    public static func read(_ v: SQLValue) -> String? { if case .text(let s) = v { return s } else { return nil } }
}
extension Bool: SQLBindable, SQLReadable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func read(_ v: SQLValue) -> Bool? { Int64.read(v).map { $0 != 0 } }
}

/// Parameters as call sites write them: `[run, key, nil]`.
public typealias SQLArguments = [(any SQLBindable)?]

extension Array where Element == (any SQLBindable)? {
    var sqlValues: [SQLValue] { map { $0?.sqlValue ?? .null } }
}

/// One result row; columns by name.
public struct SQLRow {
    final class Columns {
        let names: [String]
        let index: [String: Int]
        init(_ names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
            self.index = index
        }
    }
    let columns: Columns
    public let values: [SQLValue]

    init(columns: Columns, values: [SQLValue]) { self.columns = columns; self.values = values }

    public var columnNames: [String] { columns.names }

    /// The raw value of `column` (nil when the row has no such column).
    public func value(_ column: String) -> SQLValue? { columns.index[column].map { values[$0] } }

    /// `column` as `T`, nil when NULL or absent.
    public subscript<T: SQLReadable>(_ column: String) -> T? {
        guard let v = value(column), v != .null else { return nil }
        return T.read(v)
    }

    /// `column` as `T`; the column must exist and hold a `T` (NOT NULL columns).
    public subscript<T: SQLReadable>(_ column: String) -> T {
        guard let v = value(column) else { preconditionFailure("no column '\(column)' in \(columns.names)") }
        guard let t = T.read(v) else { preconditionFailure("column '\(column)' holds \(v), not \(T.self)") }
        return t
    }
}
