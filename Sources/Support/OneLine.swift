// Text from files and arguments shown inside a one-line error: control characters (newlines,
// terminal escapes) become visible `\u{…}` escapes, so a hostile name or header cannot start a
// new line or move the cursor, and long text is cut.
public enum OneLine {
    /// `text` with C0/C1 control characters escaped, at most `limit` characters (then "…").
    public static func escape(_ text: String, limit: Int = 2000) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "…" }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
