// Config keys. Each module declares the keys it reads in a key group next to the code that
// reads them (`SolverKeys` in NN/Optim, `InputKeys` in Data, `TestKeys` in Eval, `KDKeys` in
// Distill …): name, type and range, default, one-line help, and whether the key enters the
// config hash. A key string appears in that one file; everything else — the loader, `config
// show`, `config keys`, docs/CONFIG.md, validation — reads the groups, composed into one
// `ConfigSchema`. Code reads a value through its typed handle, `config[\SolverKeys.baseLR]`,
// which also records that the key was read (the dead-key test relies on it).
import Foundation

/// One key of the schema.
public struct ConfigKey: Sendable {
    public let key: String
    public let type: ValueType
    public let defaultValue: ConfigValue
    public let doc: String
    /// Paths that do not change results (OUTPUT_DIR, DATASETS.ROOT …) stay out of the hash.
    public let hashed: Bool

    public init(key: String, type: ValueType, defaultValue: ConfigValue, doc: String, hashed: Bool = true) {
        self.key = key; self.type = type; self.defaultValue = defaultValue; self.doc = doc; self.hashed = hashed
    }
}

/// The Swift type a key reads as.
public protocol ConfigReadable: Sendable {
    static func read(_ v: ConfigValue) -> Self?
}
extension Int: ConfigReadable { public static func read(_ v: ConfigValue) -> Int? { if case .int(let i) = v { return i }; return nil } }
extension Double: ConfigReadable { public static func read(_ v: ConfigValue) -> Double? { if case .double(let d) = v { return d }; return nil } }
extension String: ConfigReadable { public static func read(_ v: ConfigValue) -> String? { if case .string(let s) = v { return s }; return nil } }
extension Bool: ConfigReadable { public static func read(_ v: ConfigValue) -> Bool? { if case .bool(let b) = v { return b }; return nil } }
extension Array: ConfigReadable where Element: ConfigReadable {
    public static func read(_ v: ConfigValue) -> [Element]? {
        guard case .list(let xs) = v else { return nil }
        let out = xs.compactMap(Element.read)
        return out.count == xs.count ? out : nil
    }
}

/// Anything that carries a schema entry (lets a key group list its keys by reflection).
public protocol AnyConfigKey: Sendable { var spec: ConfigKey { get } }

/// A typed handle on a key: reading it through a `ResolvedConfig` gives a `Value`.
public struct Key<Value: ConfigReadable>: AnyConfigKey {
    public let spec: ConfigKey
    public var name: String { spec.key }
    public init(_ spec: ConfigKey) { self.spec = spec }
}

extension Key where Value == Int {
    public static func int(_ k: String, _ v: Int, _ r: ClosedRange<Int>, _ doc: String) -> Key {
        Key(ConfigKey(key: k, type: .int(r), defaultValue: .int(v), doc: doc))
    }
    public static func choice(_ k: String, _ v: Int, _ c: [Int], _ doc: String) -> Key {
        Key(ConfigKey(key: k, type: .intChoice(c), defaultValue: .int(v), doc: doc))
    }
}
extension Key where Value == Double {
    public static func float(_ k: String, _ v: Double, _ r: ClosedRange<Double>, _ doc: String) -> Key {
        Key(ConfigKey(key: k, type: .double(r), defaultValue: .double(v), doc: doc))
    }
}
extension Key where Value == String {
    public static func string(_ k: String, _ v: String, _ c: [String]? = nil, _ doc: String, hashed: Bool = true) -> Key {
        Key(ConfigKey(key: k, type: .string(c), defaultValue: .string(v), doc: doc, hashed: hashed))
    }
}
extension Key where Value == Bool {
    public static func flag(_ k: String, _ v: Bool, _ doc: String) -> Key {
        Key(ConfigKey(key: k, type: .bool, defaultValue: .bool(v), doc: doc))
    }
}
extension Key where Value == [Int] {
    public static func ints(_ k: String, _ v: [Int], _ r: ClosedRange<Int>, n: ClosedRange<Int>, _ doc: String) -> Key {
        Key(ConfigKey(key: k, type: .list(.int(r), count: n), defaultValue: .list(v.map { .int($0) }), doc: doc))
    }
}
extension Key where Value == [Double] {
    public static func floats(_ k: String, _ v: [Double], _ r: ClosedRange<Double>, n: ClosedRange<Int>, _ doc: String) -> Key {
        Key(ConfigKey(key: k, type: .list(.double(r), count: n), defaultValue: .list(v.map { .double($0) }), doc: doc))
    }
}
extension Key where Value == [String] {
    public static func strings(_ k: String, _ v: [String], _ c: [String]? = nil, n: ClosedRange<Int>, _ doc: String, hashed: Bool = true) -> Key {
        Key(ConfigKey(key: k, type: .list(.string(c), count: n), defaultValue: .list(v.map { .string($0) }), doc: doc, hashed: hashed))
    }
}

/// Ranges the groups share.
public enum KeyRange {
    public static let any = 0...Int.max
    public static let positive = 1...Int.max
    public static let nonNegative = 0.0...Double.infinity
}

/// A module's keys: a struct whose stored `Key` properties are its keys, in the order `config
/// show` prints them, plus the cross-key rules that only involve them.
public protocol ConfigKeyGroup: Sendable {
    init()
    /// Rules single-key ranges cannot express; throw `ConfigError` naming the keys.
    static func validate(_ c: ResolvedConfig) throws
}

extension ConfigKeyGroup {
    public static func validate(_ c: ResolvedConfig) throws {}

    /// The one instance the key paths of `config[\Group.key]` read from.
    public static var shared: Self { KeyGroupInstances.instance(of: Self.self) }

    /// The group's keys, in declaration order.
    public static var keys: [ConfigKey] {
        Mirror(reflecting: shared).children.compactMap { ($0.value as? any AnyConfigKey)?.spec }
    }
}

/// One instance per group type, built once (a group's keys never change). The lock is recursive:
/// building a group may read another group's keys (a help text naming another key).
enum KeyGroupInstances {
    nonisolated(unsafe) private static var cache: [ObjectIdentifier: Any] = [:]
    private static let lock = NSRecursiveLock()

    static func instance<G: ConfigKeyGroup>(of: G.Type) -> G {
        lock.lock(); defer { lock.unlock() }
        if let g = cache[ObjectIdentifier(G.self)] as? G { return g }
        let g = G()
        cache[ObjectIdentifier(G.self)] = g
        return g
    }
}
