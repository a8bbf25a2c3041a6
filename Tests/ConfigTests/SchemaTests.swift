// The config machinery on a schema of its own: key groups list their keys by reflection in
// declaration order, typed reads record the key (peek does not), copies share the record, the
// groups' rules run on load, and YAML printing nests groups.
import XCTest
import Config

struct AlphaKeys: ConfigKeyGroup {
    init() {}
    let rate = Key.float("A.RATE", 0.5, 0.0...1, "a rate")
    let steps = Key.ints("A.STEPS", [1, 2], 0...100, n: 0...8, "increasing steps")
    let mode = Key.string("A.SUB.MODE", "x", ["x", "y"], "a mode")
    let path = Key.string("A.SUB.PATH", "p", nil, "a path", hashed: false)
    static func validate(_ c: ResolvedConfig) throws {
        let s = c.peek(\AlphaKeys.steps)
        if s != s.sorted() { throw ConfigError("A.STEPS must be increasing") }
    }
}

struct BetaKeys: ConfigKeyGroup {
    init() {}
    let on = Key.flag("B.ON", false, "a switch")
    let count = Key.int("B.COUNT", 3, KeyRange.positive, "a count")
}

final class SchemaTests: XCTestCase {
    let schema = ConfigSchema(groups: [AlphaKeys.self, BetaKeys.self], rules: [{ c in
        if c.peek(\BetaKeys.on) && c.peek(\BetaKeys.count) > 5 { throw ConfigError("B.ON allows B.COUNT ≤ 5") }
    }])

    func testGroupsListTheirKeysInDeclarationOrder() {
        XCTAssertEqual(AlphaKeys.keys.map(\.key), ["A.RATE", "A.STEPS", "A.SUB.MODE", "A.SUB.PATH"])
        XCTAssertEqual(schema.keys.map(\.key), ["A.RATE", "A.STEPS", "A.SUB.MODE", "A.SUB.PATH", "B.ON", "B.COUNT"])
        XCTAssertEqual(AlphaKeys.shared.rate.name, "A.RATE")
    }

    func testTypedReadsAreRecordedAndPeeksAreNot() throws {
        let c = try schema.load(yaml: "A: {RATE: 0.25}\nB.COUNT: 4")
        XCTAssertEqual(c.readKeys, [])
        XCTAssertEqual(c.peek(\AlphaKeys.rate), 0.25)
        XCTAssertEqual(c.readKeys, [], "peek does not count as a read")
        let copy = c
        XCTAssertEqual(copy[\BetaKeys.count], 4)
        XCTAssertEqual(c[\AlphaKeys.steps], [1, 2])
        XCTAssertEqual(c.readKeys, ["B.COUNT", "A.STEPS"], "copies share one record")
        XCTAssertEqual(schema.defaults().readKeys, [], "another load starts a new record")
    }

    func testRulesOfGroupsAndOfTheSchemaRun() {
        XCTAssertThrowsError(try schema.load(yaml: "A.STEPS: [3, 1]")) { XCTAssertEqual(($0 as? ConfigError)?.message, "A.STEPS must be increasing") }
        XCTAssertThrowsError(try schema.load(overrides: ["B.ON", "true", "B.COUNT", "9"])) {
            XCTAssertEqual(($0 as? ConfigError)?.message, "B.ON allows B.COUNT ≤ 5")
        }
        XCTAssertNoThrow(try schema.load(overrides: ["B.COUNT", "9"]))
    }

    func testYAMLNestsGroupsAndHashSkipsUnhashedKeys() throws {
        let c = try schema.load(overrides: ["A.SUB.MODE", "y"])
        XCTAssertEqual(c.yaml, """
            A:
              RATE: 0.5
              STEPS: [1, 2]
              SUB:
                MODE: "y"
                PATH: "p"
            B:
              ON: false
              COUNT: 3

            """)
        XCTAssertEqual(try schema.load(yaml: c.yaml), c)
        XCTAssertEqual(c.canonicalJSON, #"{"A":{"RATE":0.5,"STEPS":[1,2],"SUB":{"MODE":"y"}},"B":{"COUNT":3,"ON":false}}"#)
        XCTAssertEqual(try c.setting("A.SUB.PATH", "q").sha256, c.sha256)
        XCTAssertNotEqual(try c.setting("B.COUNT", 5).sha256, c.sha256)
        XCTAssertEqual(c.canonicalJSON(keys: ["B.ON"]), #"{"B":{"ON":false}}"#)
        XCTAssertThrowsError(try c.setting("B.COUNT", 0))
    }
}
