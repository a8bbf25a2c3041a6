// Names that become folder names (sweeps, student architectures, runs) and the check that an
// output path stays inside the folder it belongs to. A sweep named `..` or an architecture named
// `../../escape` would otherwise put run folders outside results/ (seen before this check).
// ASCII only: no look-alike Unicode, no terminal escapes in names printed by `runs list`.
import Foundation

public enum SafeName {
    /// Longest sweep or architecture name (a run name adds factors and a seed to it).
    public static let maxLength = 64
    /// Longest run name: well under NAME_MAX (255 bytes), the longest file name Linux allows.
    public static let maxRunLength = 200
    /// Characters of sweep and architecture names.
    public static let characters = "letters, digits, '-', '_' and '.'"

    static func isNameCharacter(_ c: Character, extra: String) -> Bool {
        guard c.isASCII else { return false }
        return c.isLetter || c.isNumber || "-_.".contains(c) || extra.contains(c)
    }

    /// nil when `name` is a safe folder name; otherwise the rule it breaks (one phrase).
    /// `extra` adds characters (run names carry `=` and `+` from grid values).
    public static func problem(_ name: String, maxLength: Int = SafeName.maxLength, extra: String = "") -> String? {
        if name.isEmpty { return "it is empty" }
        if name.count > maxLength { return "it is \(name.count) characters long; the limit is \(maxLength)" }
        if let bad = name.unicodeScalars.first(where: { !isNameCharacter(Character($0), extra: extra) }) {
            let shown = bad.value >= 0x20 && bad.value < 0x7F ? "'\(bad)'" : "U+" + String(bad.value, radix: 16, uppercase: true)
            return "it contains \(shown); use only \(characters)\(extra.isEmpty ? "" : " and " + extra.map { "'\($0)'" }.joined(separator: ", "))"
        }
        if name.hasPrefix(".") { return "it starts with '.' (hidden or parent folder)" }
        if name.contains("..") { return "it contains '..'" }
        return nil
    }

    /// True when `path` (resolved against the working folder, `.` and `..` removed, symbolic
    /// links not followed) is `root` or lies inside it.
    public static func isInside(_ path: String, root: String) -> Bool {
        let p = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let r = URL(fileURLWithPath: root).standardizedFileURL.pathComponents
        return p.count >= r.count && Array(p.prefix(r.count)) == r
    }

    /// `root/component` (joined as text, as callers always did), or an error when the result
    /// would leave `root` (a name with `/` or `..`).
    public static func child(_ component: String, of root: String, what: String) throws -> String {
        let path = "\(root)/\(component)"
        guard !component.isEmpty, !component.contains("/"), component != ".", component != "..",
              isInside(path, root: root) else {
            throw FileSystemError("\(what) '\(component)' would write outside \(root); use a name of \(characters)")
        }
        return path
    }
}
