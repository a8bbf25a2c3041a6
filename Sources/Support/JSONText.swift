// Minimal JSON text writing shared by the safetensors header and the canonical config hash.
// Written by hand (not JSONSerialization) so that the bytes are the same on every platform:
// the config hash depends on them.

public enum JSONText {
    /// `s` as a JSON string literal (quotes included), escaped like Python's `json.dumps`
    /// with its default `ensure_ascii=True`: non-ASCII as \uXXXX (UTF-16 surrogate pairs).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value > 0x7F {
                    for unit in String(u).utf16 {
                        let h = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A finite double in its shortest round-trip form, as Python's repr: "0.00035", "1e-07", "3.0".
    public static func number(_ x: Double) -> String {
        precondition(x.isFinite, "JSONText.number: non-finite value \(x)")
        return "\(x)"
    }
}
