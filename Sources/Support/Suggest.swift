// "Did you mean …?" for unknown config keys and registry names: the closest candidate by edit
// distance (case-insensitive), offered only when it is plausibly a typo.

public enum Suggest {
    /// The candidate closest to `word`, or nil when none is within a third of its length (min 2)
    /// — or, for dotted keys, a candidate whose last component equals `word`'s.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = word.uppercased()
        if let last = w.split(separator: ".").last, w.contains(".") {
            let same = candidates.filter { $0.uppercased().split(separator: ".").last == last }
            if same.count == 1 { return same[0] }
        }
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, c.uppercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (c, d) = best, d <= max(2, w.count / 3) else { return nil }
        return c
    }

    /// " Did you mean X?" or "" — for appending to an error message.
    public static func phrase(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { " Did you mean \($0)?" } ?? ""
    }

    /// Levenshtein distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}
