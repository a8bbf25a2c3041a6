// The YAML guard: honest anchors pass, alias bombs and absurd nesting are refused from the event
// stream before Yams composes anything, and syntax errors come back as one line.
import XCTest
@testable import Config

final class YAMLGuardTests: XCTestCase {
    let schema = ConfigSchema(groups: [AlphaKeys.self, BetaKeys.self], rules: [])

    func testHonestAnchorsPass() throws {
        let text = """
        base: &size [256, 128]
        INPUT: {SIZE_TRAIN: *size, SIZE_TEST: *size}
        defaults: &d {a: 1, b: 2}
        merged: {<<: *d, c: 3}
        """
        XCTAssertNil(YAMLGuard.problem(in: text))
        XCTAssertNil(YAMLGuard.problem(in: ""))
        XCTAssertNil(YAMLGuard.problem(in: "a: 1\n---\nb: 2\n"))
        // An alias resolves to its anchor's value (the schema of SchemaTests.swift).
        let c = try schema.load(yaml: "A.SUB.PATH: &p y\nA.SUB.MODE: *p\n")
        XCTAssertEqual(c.peek(\AlphaKeys.mode), "y")
    }

    func testExpansionIsCountedNotPerformed() {
        // 10 levels of 10 aliases: 10¹⁰ nodes if expanded; refused within the first few levels.
        var bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let p = YAMLGuard.problem(in: bomb) ?? ""
        XCTAssertTrue(p.hasPrefix("line 5: the document expands to more than 100000 nodes"), p)
        // Just under the bound passes: 4 levels = 1 + 10 + 100 + 1000 + 10000 + … nodes.
        let small = bomb.split(separator: "\n").prefix(4).joined(separator: "\n")
        XCTAssertNil(YAMLGuard.problem(in: small))
        XCTAssertThrowsError(try schema.load(yaml: bomb, source: "bomb.yaml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("bomb.yaml: line 5:"), "\(e)")
        }
    }

    func testNestingUndefinedAliasesAndSyntaxErrorsAreOneLine() {
        let deep = String(repeating: "[", count: YAMLGuard.maxDepth + 1) + String(repeating: "]", count: YAMLGuard.maxDepth + 1)
        XCTAssertTrue(YAMLGuard.problem(in: deep)?.contains("nest deeper than \(YAMLGuard.maxDepth)") == true)
        let ok = String(repeating: "[", count: YAMLGuard.maxDepth) + String(repeating: "]", count: YAMLGuard.maxDepth)
        XCTAssertNil(YAMLGuard.problem(in: ok))
        XCTAssertEqual(YAMLGuard.problem(in: "a: *nowhere\n"), "line 1: alias *nowhere names no earlier anchor &nowhere")
        let syntax = YAMLGuard.problem(in: "a: 1\nb: c: d\n") ?? ""
        XCTAssertEqual(syntax, "not valid YAML at line 2, column 5: mapping values are not allowed in this context")
        XCTAssertFalse(syntax.contains("\n"))
        XCTAssertEqual(YAMLGuard.problem(in: "SEED: 1\nMODEL: {A: 1}\nSEED: 2\n"), "line 3: key 'SEED' is set twice in the same mapping; keep one")
        XCTAssertEqual(YAMLGuard.problem(in: "a: {x: 1, y: {x: 2}, z: [x, x]}\nb: {x: 3}\n"), nil, "same key in different mappings")
    }
}
