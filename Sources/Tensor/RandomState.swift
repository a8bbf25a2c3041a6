// Capturing and restoring a `RandomGenerator`'s state, for checkpoints that resume a run
// bit-identically. Random.swift keeps the four xoshiro256** words private; this extension lives
// in its own file (the engine is closed for edits), so it reads and writes the struct's bytes.
// That is sound because the struct stores exactly four UInt64 words in declaration order
// (checked below at run time: a layout change fails loudly, never silently).

extension RandomGenerator {
    /// The generator's full state: the four xoshiro256** words.
    public var stateWords: [UInt64] {
        Self.checkLayout()
        return withUnsafeBytes(of: self) { raw in (0..<4).map { raw.load(fromByteOffset: $0 * 8, as: UInt64.self) } }
    }

    /// A generator continuing exactly where the one that produced `stateWords` stopped.
    /// Returns nil unless `words` holds four words, not all zero (xoshiro's one invalid state).
    public init?(stateWords words: [UInt64]) {
        Self.checkLayout()
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        var g = RandomGenerator(seed: 0)
        withUnsafeMutableBytes(of: &g) { raw in
            for i in 0..<4 { raw.storeBytes(of: words[i], toByteOffset: i * 8, as: UInt64.self) }
        }
        self = g
    }

    /// The state as 64 hex digits (four 16-digit words), for text metadata.
    public var stateHex: String {
        stateWords.map { w in
            let s = String(w, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    /// Parses `stateHex`; nil if malformed.
    public init?(stateHex hex: String) {
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        let chars = Array(hex)
        var words: [UInt64] = []
        for i in 0..<4 {
            guard let w = UInt64(String(chars[(i * 16)..<(i * 16 + 16)]), radix: 16) else { return nil }
            words.append(w)
        }
        self.init(stateWords: words)
    }

    private static func checkLayout() {
        precondition(MemoryLayout<RandomGenerator>.size == 32,
                     "RandomGenerator layout changed (size \(MemoryLayout<RandomGenerator>.size), expected 32): update RandomState.swift")
    }
}
