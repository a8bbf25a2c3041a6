// Sweep files: parsing, errors that name the key, and the expanded plan.
import XCTest
import Support
@testable import Distill

final class SweepPlanTests: XCTestCase {
    let yaml = """
    name: demo
    common: {DATASETS.NAMES: synthetic, INPUT.SIZE_TRAIN: [64, 32]}
    teacher: {config: t.yaml, opts: {MODEL.BACKBONE.DEPTH: 50}}
    student: {config: s.yaml}
    students:
      r18: {MODEL.BACKBONE.DEPTH: 18}
      mbv2: {MODEL.BACKBONE.NAME: mobilenetv2}
    grid:
      KD.METHOD: [logit, logit+rkd]
      KD.TEMPERATURE: [4, 16]
    seeds: [1, 2]
    baseline: true
    """

    func testExpansion() throws {
        let plan = SweepPlan(try SweepSpec.parse(yaml))
        // 1 teacher + 2 archs × 2 seeds × (1 baseline + 4 grid points)
        XCTAssertEqual(plan.runs.count, 1 + 2 * 2 * 5)
        XCTAssertEqual(plan.runs[0].role, .teacher)
        XCTAssertEqual(plan.runs[0].overrides.map { $0.key }, ["DATASETS.NAMES", "INPUT.SIZE_TRAIN", "MODEL.BACKBONE.DEPTH", "SEED"])
        XCTAssertEqual(plan.runs[0].overrides[1].value, "[64, 32]")
        XCTAssertEqual(plan.runs[1].name, "r18-baseline-s1")
        XCTAssertEqual(plan.runs[2].name, "r18-METHOD=logit-TEMPERATURE=4-s1")
        XCTAssertEqual(plan.runs[3].name, "r18-METHOD=logit-TEMPERATURE=16-s1")
        XCTAssertEqual(plan.runs[2].overrides.last!.value, "1")
        XCTAssertEqual(Set(plan.runs.map { $0.name }).count, plan.runs.count, "run names are unique")
        XCTAssertEqual(plan.runs.filter { $0.role == .baseline }.count, 4)
        // Deterministic: the same file gives the same plan.
        XCTAssertEqual(SweepPlan(try SweepSpec.parse(yaml)).runs, plan.runs)
    }

    func testUnknownKeySuggests() {
        XCTAssertThrowsError(try SweepSpec.parse("name: x\nbaselin: true\n")) { e in
            XCTAssertTrue("\(e)".contains("did you mean 'baseline'"), "\(e)")
        }
        XCTAssertThrowsError(try SweepSpec.parse("name: x\ngrid: {KD.TEMPERATURE: 4}\n")) { e in
            XCTAssertTrue("\(e)".contains("KD.TEMPERATURE must be a non-empty list"), "\(e)")
        }
        XCTAssertThrowsError(try SweepSpec.parse("grid: {}\n")) { e in XCTAssertTrue("\(e)".contains("'name' is required")) }
        XCTAssertThrowsError(try SweepSpec.parse("name: a b\n")) { e in XCTAssertTrue("\(e)".contains("folder name")) }
        XCTAssertThrowsError(try SweepSpec.parse("name: [x\n")) { e in XCTAssertTrue("\(e)".contains("not valid YAML")) }
        XCTAssertThrowsError(try SweepSpec.load(path: "/nonexistent/sweep.yaml")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/sweep.yaml"))
        }
    }

    func testUnsafeNamesAreRefusedWithFieldAndRule() {
        func refuses(_ text: String, _ pieces: [String], line: UInt = #line) {
            XCTAssertThrowsError(try SweepSpec.parse(text, source: "s.yaml"), line: line) { e in
                for p in pieces { XCTAssertTrue("\(e)".contains(p), "\(e)", line: line) }
            }
        }
        refuses("name: ..\nbaseline: true\n", ["s.yaml", "field 'name'", "starts with '.'"])
        refuses("name: .hidden\nbaseline: true\n", ["field 'name'", "starts with '.'"])
        refuses("name: a..b\nbaseline: true\n", ["field 'name'", "contains '..'"])
        refuses("name: a/b\nbaseline: true\n", ["field 'name'", "contains '/'"])
        refuses("name: café\nbaseline: true\n", ["field 'name'", "U+E9"])
        refuses("name: \(String(repeating: "x", count: 65))\nbaseline: true\n", ["the limit is 64"])
        refuses("name: ok\nstudents: {\"../../escape\": {}}\nbaseline: true\n", ["field 'students'", "'../../escape'", "contains '/'"])
        refuses("name: ok\nstudents: {\"..\": {}}\nbaseline: true\n", ["field 'students'", "starts with '.'"])
        refuses("name: ok\ngrid: {KD.TEMPERATURE: [\(String(repeating: "9", count: 201))]}\n", ["run name", "the limit is 200"])
        refuses("name: ok\n", ["plans no run"])
        XCTAssertNoThrow(try SweepSpec.parse("name: quick-v2_1.0\nstudents: {r18: {}, mbv2-1.0: {}}\nbaseline: true\n"))
    }

    func testGridValuesBecomeSafeRunNames() throws {
        let spec = try SweepSpec.parse("name: ok\ngrid: {KD.TEACHER_WEIGHTS: [../t/model.safetensors, \"é ..x\"]}\n")
        let names = SweepPlan(spec).runs.map(\.name)
        XCTAssertEqual(names, ["student-TEACHER_WEIGHTS=.__t_model.safetensors-s1", "student-TEACHER_WEIGHTS=__._x-s1"])
        for n in names { XCTAssertNil(SafeNameCheck.problem(n)) }
        XCTAssertEqual(try SweepPlan.runFolder("r18-s1", sweep: "quick", resultsRoot: "results"), "results/quick/r18-s1")
        XCTAssertThrowsError(try SweepPlan.runFolder("x", sweep: "..", resultsRoot: "results"))
        XCTAssertThrowsError(try SweepPlan.runFolder("../x", sweep: "quick", resultsRoot: "results"))
    }

    func testAliasBombIsRefusedAtOnce() {
        var bomb = "name: x\na0: &a0 [1,1,1,1,1,1,1,1,1]\n"
        for i in 1...8 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ",") + "]\n" }
        XCTAssertThrowsError(try SweepSpec.parse(bomb, source: "bomb.yaml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("bomb.yaml: line "), "\(e)")
            XCTAssertTrue("\(e)".contains("aliases"), "\(e)")
        }
    }
}

/// The run-name rule as SweepPlan applies it (letters, digits, -_.=+, no '..').
enum SafeNameCheck {
    static func problem(_ name: String) -> String? { SafeName.problem(name, maxLength: SafeName.maxRunLength, extra: "=+") }
}
