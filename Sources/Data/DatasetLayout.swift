// Dataset layouts: each knows one on-disk convention and turns a root folder into a
// `ReidDataset`. The registry maps names to layouts (one line per layout); an unknown name gets
// the closest valid one suggested.
import Foundation

public struct LayoutOptions: Sendable {
    /// Skip files that fail (bad names, empty or corrupt files) instead of stopping; the dataset's
    /// `skipped` report lists them.
    public var skipBad: Bool
    /// Decode every image while parsing (slow on big sets) so corrupt files are found up front.
    public var verifyImages: Bool

    public init(skipBad: Bool = false, verifyImages: Bool = false) {
        self.skipBad = skipBad
        self.verifyImages = verifyImages
    }
}

public protocol DatasetLayout: Sendable {
    /// Registry name, e.g. "market1501".
    var name: String { get }
    /// One-line description of the expected folders and file names (shown in errors and help).
    var expected: String { get }
    func load(root: String, options: LayoutOptions) throws -> ReidDataset
}

public enum DatasetLayouts {
    /// Every layout, by name. Add one line per new layout.
    public static let all: [any DatasetLayout] = [
        MarketStyleLayout.market1501,
        MarketStyleLayout.dukemtmc,
        MarketStyleLayout.veri776,
        MSMT17Layout(),
        GenericLayout(),
    ]

    public static var names: [String] { all.map(\.name) }

    /// The layout called `name`; unknown names suggest the closest valid one.
    public static func named(_ name: String) throws -> any DatasetLayout {
        if let l = all.first(where: { $0.name == name.lowercased() }) { return l }
        let best = names.min { editDistance($0, name.lowercased()) < editDistance($1, name.lowercased()) }!
        throw DataError(.badConfig, path: "", "unknown dataset layout '\(name)'; did you mean '\(best)'? (valid: \(names.joined(separator: ", ")))")
    }

    /// Parses `root` with the named layout and checks that no split is empty.
    public static func load(_ name: String, root: String, options: LayoutOptions = LayoutOptions()) throws -> ReidDataset {
        let ds = try named(name).load(root: root, options: options)
        try ds.requireNonEmpty()
        return ds
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return a.isEmpty ? b.count : prev[b.count]
    }
}

/// Shared helpers for the parsers: listing folders, checking files, collecting skips.
final class LayoutScanner {
    let layoutName: String
    let expected: String
    let root: String
    let options: LayoutOptions
    var skipped = SkipReport()

    init(layoutName: String, expected: String, root: String, options: LayoutOptions) {
        self.layoutName = layoutName; self.expected = expected; self.root = root; self.options = options
    }

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The folder `name` under root (or the root itself when `name` is empty); a clear error if missing.
    func folder(_ name: String) throws -> String {
        var rootIsDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: root, isDirectory: &rootIsDir) || !rootIsDir.boolValue {
            throw DataError(.badLayout, path: root, "no such folder — the \(layoutName) layout expects a folder holding \(expected)")
        }
        let path = name.isEmpty ? root : (root as NSString).appendingPathComponent(name)
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) || !isDir.boolValue {
            let found = (try? FileManager.default.contentsOfDirectory(atPath: root))?.filter { !$0.hasPrefix(".") }.sorted() ?? []
            let listing = found.isEmpty ? "it is empty or unreadable" : "found: " + found.prefix(8).joined(separator: ", ")
            throw DataError(.badLayout, path: root, "missing folder '\(name)' — the \(layoutName) layout expects \(expected) (\(listing))")
        }
        return path
    }

    /// Image files (by extension) directly in `dir`, sorted; other files (Thumbs.db, …) are ignored.
    func images(in dir: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) }
        catch { throw DataError(.unreadable, path: dir, "cannot list folder (check permissions)") }
        return names.filter { !$0.hasPrefix(".") && Self.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { (dir as NSString).appendingPathComponent($0) }
    }

    /// Runs `body`; a DataError is rethrown, or recorded and nil returned under `skipBad`.
    func attempt<T>(_ body: () throws -> T) throws -> T? {
        do { return try body() } catch let e as DataError {
            if options.skipBad { skipped.add(e); return nil }
            throw e
        }
    }

    /// Checks the file is non-empty and, with `verifyImages`, that it decodes.
    func check(_ path: String) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        guard let size else { throw DataError(.unreadable, path: path, "cannot read file") }
        if size == 0 { throw DataError(.emptyFile, path: path, "file is empty (0 bytes); expected a PNG or JPEG image") }
        if options.verifyImages { _ = try ImageIO.load(path) }
    }

    /// If root holds exactly the dataset's usual top folder (e.g. Market-1501-v15.09.15), use it.
    static func descend(_ root: String, into candidates: [String]) -> String {
        for c in candidates {
            let p = (root as NSString).appendingPathComponent(c)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { return p }
        }
        return root
    }
}
