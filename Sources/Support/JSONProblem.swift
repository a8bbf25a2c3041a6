// A JSON file that does not decode, said in one line that names the field: "field
// 'input_size[1]': expected a number, found a string" rather than a `DecodingError` dump
// (codingPath arrays, debugDescription and underlying NSError in one paragraph).
import Foundation

public enum JSONProblem {
    /// Decodes `T` from `data`; a failure throws `FileSystemError` naming `path` and the field,
    /// followed by `fix`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String, fix: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch let e as DecodingError {
            throw FileSystemError("\(path): \(describe(e)); \(fix)")
        } catch {
            throw FileSystemError("\(path): not valid JSON (\(error.localizedDescription)); \(fix)")
        }
    }

    /// The field and what was wrong with it.
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let ctx):
            return "field '\(field(ctx.codingPath + [key]))' is missing"
        case .typeMismatch(let type, let ctx):
            return "field '\(field(ctx.codingPath))': expected \(name(type))" + found(ctx)
        case .valueNotFound(let type, let ctx):
            return "field '\(field(ctx.codingPath))': expected \(name(type)), found null"
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "not valid JSON" + underlying(ctx) }
            return "field '\(field(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default:
            return "cannot decode the JSON"
        }
    }

    /// `input_size[1]`, `mean`, `queries[3].gallery[0].pid`.
    static func field(_ path: [CodingKey]) -> String {
        if path.isEmpty { return "(top level)" }
        var s = ""
        for k in path {
            if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
        }
        return s
    }

    static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is [Any].Type: return "a list"
        case is [String: Any].Type: return "an object"
        default:
            let t = String(describing: type)
            if t.hasPrefix("Array<") { return "a list" }
            if t.hasPrefix("Dictionary<") { return "an object" }
            return t
        }
    }

    /// Foundation's debugDescription says what it found ("Expected to decode Int but found a
    /// string instead."); keep only the part after "found".
    static func found(_ ctx: DecodingError.Context) -> String {
        guard let r = ctx.debugDescription.range(of: "found ") else { return "" }
        let rest = ctx.debugDescription[r.upperBound...].replacingOccurrences(of: " instead.", with: "")
        return ", found " + rest.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
    }

    static func underlying(_ ctx: DecodingError.Context) -> String {
        guard let u = ctx.underlyingError as NSError? else { return "" }
        let detail = u.userInfo[NSDebugDescriptionErrorKey] as? String ?? u.localizedDescription
        return " (\(detail))"
    }
}
