// Where a store is, from what the user typed after `--store` (or in REIDKD_STORE): a
// `postgresql://` (or `postgres://`) URL selects the PostgreSQL backend, anything else is the
// path of an SQLite file, the embedded default. Passwords never reach messages: `display`
// masks them.
import Foundation

public enum StoreLocation: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Parses `--store`'s text.
    public init(_ text: String) {
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") { self = .postgres(url: text) } else { self = .sqlite(path: text) }
    }

    public var isPostgres: Bool { if case .postgres = self { return true } else { return false } }

    /// The text to hand to another process (`reidkd worker --store …`): a path made absolute
    /// (the worker changes folder), a URL as given.
    public var forOtherProcesses: String {
        switch self {
        case .sqlite(let p): return URL(fileURLWithPath: p).standardizedFileURL.path
        case .postgres(let u): return u
        }
    }

    /// The location for messages, the password masked.
    public var display: String {
        switch self {
        case .sqlite(let p): return p
        case .postgres(let u): return Self.maskingPassword(u)
        }
    }

    /// Whether a URL carries a password (it then should not be written to scripts or argv).
    public var hasPassword: Bool {
        guard case .postgres(let u) = self else { return false }
        return Self.maskingPassword(u) != u
    }

    /// `postgresql://user:secret@host/db?password=x` → `postgresql://user:***@host/db?password=***`.
    static func maskingPassword(_ url: String) -> String {
        var s = url
        if let scheme = s.range(of: "://") {
            let rest = s[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                s.replaceSubrange(s.index(after: colon)..<at, with: "***")
            }
        }
        return s.replacingOccurrences(of: #"([?&]password=)[^&]*"#, with: "$1***", options: [.regularExpression, .caseInsensitive])
    }
}
