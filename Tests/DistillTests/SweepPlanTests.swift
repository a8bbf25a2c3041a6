// Sweep files: parsing, errors that name the key, and the expanded plan.
import XCTest
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
}
