// A schema: the key groups of the modules that take part, composed in a fixed order (the order
// `config show` prints), with the cross-key rules of each group and of the composition. The
// full ReidKD schema is composed in Distill (`RunConfig.schema`), the lowest module that sees
// every group; a module's tests may compose just the groups they need.
import Foundation

public struct ConfigSchema: @unchecked Sendable {
    public let keys: [ConfigKey]
    public let byKey: [String: ConfigKey]
    let rules: [(ResolvedConfig) throws -> Void]

    /// `groups` in printing order; `rules` are cross-group checks. A key declared twice is a
    /// programming error.
    public init(groups: [any ConfigKeyGroup.Type], rules: [(ResolvedConfig) throws -> Void] = []) {
        var keys: [ConfigKey] = [], byKey: [String: ConfigKey] = [:]
        for g in groups {
            for k in g.keys {
                precondition(byKey[k.key] == nil, "config key \(k.key) is declared twice (second time in \(g))")
                byKey[k.key] = k
                keys.append(k)
            }
        }
        self.keys = keys
        self.byKey = byKey
        self.rules = groups.map { g in { try g.validate($0) } } + rules
    }

    /// Every key at its default.
    public func defaults() -> ResolvedConfig {
        ResolvedConfig(schema: self, values: Dictionary(uniqueKeysWithValues: keys.map { ($0.key, $0.defaultValue) }))
    }

    /// Runs every cross-key rule.
    public func validate(_ c: ResolvedConfig) throws {
        for r in rules { try r(c) }
    }
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
