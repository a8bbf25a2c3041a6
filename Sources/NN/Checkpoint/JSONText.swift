// Minimal JSON text writing shared by the safetensors header and the canonical config hash.
// Written by hand (not JSONSerialization) so that the bytes are the same on every platform:
// the config hash depends on them.

enum JSONText {
    /// `s` as a JSON string literal (quotes included), escaping per RFC 8259.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A finite double in its shortest round-trip form ("0.00035", "1e-07", "3.0" → "3.0").
    /// Integral values keep a ".0" so that a float key never hashes like an int key.
    static func number(_ x: Double) -> String {
        precondition(x.isFinite, "JSONText.number: non-finite value \(x)")
        return "\(x)"
    }
}
