// One libpq connection (PostgreSQL's own C client, Debian libpq-dev). Parameters are sent as
// text with `?` placeholders rewritten to `$n`; integers and reals are typed (int8, float8),
// text and NULL left for the server to infer from the column they meet, so one SQL text serves
// both backends. Results are read as text and converted by column type. Not thread-safe: the
// backend serializes its use.
import Foundation
import CLibPQ

final class PostgresConnection: SQLConnection {
    private var conn: OpaquePointer?
    /// The location for messages (password masked).
    let display: String
    var dialect: SQLDialect { .postgres }

    /// Connects to `url` (any libpq connection URI or keyword string). A 10 s connect timeout
    /// and the application name `reidkd` apply unless the URL sets them. The session runs in
    /// UTC, so timestamps read back as `2026-12-02 13:35:57.123+00`.
    init(url: String, display: String) throws {
        self.display = display
        let keys = ["connect_timeout", "application_name", "dbname"]
        let values = ["10", "reidkd", url]
        conn = Self.withCStrings(keys) { k in Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let why = conn.map { Self.text(PQerrorMessage($0)) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            self.conn = nil
            throw SQLFailure(message: "cannot connect: \(why)", code: "connection")
        }
        reidkd_pq_quiet(conn)
        try executeScript("SET TIME ZONE 'UTC'")
    }

    deinit { close() }

    func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    /// Whether the connection is up (a server restart or a network failure breaks it).
    var isUp: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Reconnects a broken connection with the same parameters.
    func reconnect() throws {
        guard let conn else { throw SQLFailure(message: "connection closed", code: "connection") }
        PQreset(conn)
        guard PQstatus(conn) == CONNECTION_OK else {
            throw SQLFailure(message: "cannot reconnect: \(Self.text(PQerrorMessage(conn)))", code: "connection")
        }
        try executeScript("SET TIME ZONE 'UTC'")
    }

    func run(_ sql: String, _ arguments: [SQLValue]) throws -> (rows: [SQLRow], changes: Int) {
        let result = try execute(Self.numberingPlaceholders(sql), arguments)
        defer { PQclear(result) }
        return (Self.rows(result), Int(Self.text(PQcmdTuples(result))) ?? 0)
    }

    func insertMany(_ head: String, width: Int, rows: [[SQLValue]], tail: String) throws {
        // At most 1000 rows and 30,000 parameters per statement (the protocol allows 65,535).
        let chunk = max(1, min(1000, 30_000 / max(1, width)))
        var start = 0
        while start < rows.count {
            let part = rows[start..<min(rows.count, start + chunk)]
            var n = 0
            let tuples = part.map { _ in
                "(" + (0..<width).map { _ in n += 1; return "$\(n)" }.joined(separator: ", ") + ")"
            }
            let result = try execute("\(head) VALUES \(tuples.joined(separator: ", ")) \(tail)", part.flatMap { $0 })
            PQclear(result)
            start += part.count
        }
    }

    func executeScript(_ sql: String) throws {
        guard let conn else { throw SQLFailure(message: "connection closed", code: "connection") }
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result)
    }

    /// Sends one statement with `$n` placeholders; the caller clears the result.
    private func execute(_ sql: String, _ arguments: [SQLValue]) throws -> OpaquePointer {
        guard let conn else { throw SQLFailure(message: "connection closed", code: "connection") }
        let types: [UInt32] = arguments.map {
            switch $0 {
            case .integer: return 20     // int8
            case .real: return 701       // float8
            case .text, .null: return 0  // inferred from where the parameter goes
            }
        }
        let texts: [String?] = arguments.map {
            switch $0 {
            case .null: return nil
            case .integer(let i): return String(i)
            case .real(let d): return d.isNaN ? "NaN" : d.isInfinite ? (d > 0 ? "Infinity" : "-Infinity") : "\(d)"
            case .text(let s): return s
            }
        }
        let result = arguments.isEmpty ? PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0)
            : Self.withOptionalCStrings(texts) { values in PQexecParams(conn, sql, Int32(arguments.count), types, values, nil, nil, 0) }
        do { try check(result) } catch { PQclear(result); throw error }
        return result!
    }

    private func check(_ result: OpaquePointer?) throws {
        guard let result else { throw SQLFailure(message: Self.text(PQerrorMessage(conn)), code: "connection") }
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK else { return }
        let field = { (c: Character) in PQresultErrorField(result, Int32(c.asciiValue!)).map { String(cString: $0) } }
        let message = [field("M"), field("D")].compactMap { $0 }.joined(separator: "; ")
        throw SQLFailure(message: message.isEmpty ? Self.text(PQresultErrorMessage(result)) : message, code: field("C") ?? (isUp ? nil : "connection"))
    }

    static func rows(_ result: OpaquePointer) -> [SQLRow] {
        let nrows = PQntuples(result), ncols = PQnfields(result)
        guard nrows > 0 else { return [] }
        let columns = SQLRow.Columns((0..<ncols).map { String(cString: PQfname(result, $0)) })
        let types = (0..<ncols).map { PQftype(result, $0) }
        var out: [SQLRow] = []
        out.reserveCapacity(Int(nrows))
        for r in 0..<nrows {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(ncols))
            for c in 0..<ncols {
                if PQgetisnull(result, r, c) != 0 { values.append(.null); continue }
                values.append(value(String(cString: PQgetvalue(result, r, c)), type: types[Int(c)]))
            }
            out.append(SQLRow(columns: columns, values: values))
        }
        return out
    }

    static func value(_ text: String, type: UInt32) -> SQLValue {
        switch type {
        case 20, 21, 23, 26: return Int64(text).map(SQLValue.integer) ?? .text(text)         // int8, int2, int4, oid
        case 700, 701, 1700:                                                                   // float4, float8, numeric
            switch text {
            case "NaN": return .real(.nan)
            case "Infinity": return .real(.infinity)
            case "-Infinity": return .real(-.infinity)
            default: return Double(text).map(SQLValue.real) ?? .text(text)
            }
        case 16: return .integer(text == "t" ? 1 : 0)                                          // bool
        default: return .text(text)
        }
    }

    /// `?` → `$1, $2 …`, outside quoted strings, quoted names and comments.
    static func numberingPlaceholders(_ sql: String) -> String {
        guard sql.contains("?") else { return sql }
        var out = "", n = 0
        var quote: Character? = nil, comment = false
        var previous: Character = " "
        for ch in sql {
            if comment {
                if ch == "\n" { comment = false }
            } else if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if ch == "-" && previous == "-" {
                comment = true
            } else if ch == "?" {
                n += 1
                out += "$\(n)"
                previous = ch
                continue
            }
            out.append(ch)
            previous = ch
        }
        return out
    }

    /// A libpq message on one line (they come as several, with tabs).
    static func text(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        withOptionalCStrings(strings + [nil]) { body($0) }
    }

    static func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
