// Expands a sweep spec into the list of runs, in the order they train: the teacher (stage 0),
// then per architecture and seed the baseline (no KD) and every grid/explicit point.
// Names are deterministic, so re-running a sweep finds its runs again by name.
import Foundation
import Support
import Store

public struct PlannedRun: Equatable {
    public var name: String
    public var role: RunRole
    public var seed: Int
    /// Config file the run starts from, then `overrides` in order (later wins).
    public var baseConfig: String?
    public var overrides: Overrides
    /// Architecture name from `students` ("" for the teacher).
    public var architecture: String
    /// The grid/explicit point that distinguishes this student (empty for teacher and baselines).
    public var factors: Overrides
    public var teacherCheckpoint: String?
    /// Runs of the sweep (by name) that must finish with a model first.
    public var dependsOn: [String] = []

    public static func == (a: PlannedRun, b: PlannedRun) -> Bool {
        a.name == b.name && a.role == b.role && a.seed == b.seed && a.baseConfig == b.baseConfig
            && a.overrides.elementsEqual(b.overrides, by: { $0 == $1 }) && a.architecture == b.architecture
    }
}

public struct SweepPlan {
    public var spec: SweepSpec
    public var runs: [PlannedRun]

    /// The teacher stage's runs: `teacher`, or `teacher-<name>` for each of several `teachers:`.
    static func teacherRuns(_ spec: SweepSpec) -> [(name: String, ref: ModelRef)] {
        spec.teacher.map { [("teacher", $0)] } ?? spec.teachers.map { ("teacher-\($0.name)", $0.ref) }
    }

    public init(_ spec: SweepSpec) {
        self.spec = spec
        var runs: [PlannedRun] = []
        let seed0 = (RunKeys.shared.seed.name, String(spec.seeds[0]))
        // The teacher stage: one teacher, or several whose outputs students combine by weight.
        let teacherRefs = SweepPlan.teacherRuns(spec)
        for (name, t) in teacherRefs {
            runs.append(PlannedRun(name: name, role: .teacher, seed: spec.seeds[0], baseConfig: t.config,
                                   overrides: spec.common + t.overrides + [seed0], architecture: "", factors: [], teacherCheckpoint: t.checkpoint))
        }
        var mix: Overrides = spec.teachers.isEmpty ? [] : [SweepPlan.mix(teacherRefs.map { ($0.0, $0.1.weight) })]
        var studentDeps = teacherRefs.map(\.0)
        // A teacher assistant: distilled from the teacher stage, then the students' one teacher.
        if let a = spec.assistant {
            runs.append(PlannedRun(name: "assistant", role: .teacher, seed: spec.seeds[0], baseConfig: a.config ?? spec.student.config,
                                   overrides: spec.common + a.overrides + [SweepPlan.mix(teacherRefs.map { ($0.0, $0.1.weight) }), seed0],
                                   architecture: "", factors: [], teacherCheckpoint: nil, dependsOn: studentDeps))
            mix = [SweepPlan.mix([("assistant", 1)])]
            studentDeps = ["assistant"]
        }
        let archs = spec.students.isEmpty ? [(name: "student", overrides: Overrides())] : spec.students
        let named = SweepPlan.gridPoints(spec.grid).map { (label: Optional<String>.none, point: $0) } + spec.runs.map { (nil, $0) }
            + (spec.search?.points() ?? []).enumerated().map { (String(format: "trial%03d", $0.offset + 1), $0.element) }
        for arch in archs {
            for seed in spec.seeds {
                let base = spec.common + spec.student.overrides + arch.overrides
                if spec.baseline {
                    runs.append(PlannedRun(name: "\(arch.name)-baseline-s\(seed)", role: .baseline, seed: seed,
                                           baseConfig: spec.student.config,
                                           overrides: base + [(KDKeys.shared.method.name, "none"), (RunKeys.shared.seed.name, String(seed))],
                                           architecture: arch.name, factors: [], teacherCheckpoint: nil))
                }
                for (trial, point) in named where !point.isEmpty {
                    let label = trial ?? point.map { "\(SweepPlan.shortKey($0.key))=\($0.value)" }.joined(separator: "-")
                    runs.append(PlannedRun(name: "\(arch.name)-\(SweepPlan.sanitize(label))-s\(seed)", role: .student, seed: seed,
                                           baseConfig: spec.student.config,
                                           overrides: base + point + mix + [(RunKeys.shared.seed.name, String(seed))],
                                           architecture: arch.name, factors: point, teacherCheckpoint: nil, dependsOn: studentDeps))
                }
            }
        }
        self.runs = runs
    }

    /// KD.TEACHER_MIX naming the runs a run distils from, with their weights.
    static func mix(_ members: [(run: String, weight: Double)]) -> (key: String, value: String) {
        (KDKeys.shared.teacherMix.name, "[" + members.map { "\($0.run)=\($0.weight)" }.joined(separator: ", ") + "]")
    }

    /// Cartesian product of the grid axes, first axis outermost.
    static func gridPoints(_ grid: [(key: String, values: [String])]) -> [Overrides] {
        guard !grid.isEmpty else { return [] }
        var points: [Overrides] = [[]]
        for axis in grid {
            points = points.flatMap { p in axis.values.map { p + [(axis.key, $0)] } }
        }
        return points
    }

    /// KD.TEMPERATURE → TEMPERATURE: the last component names the factor in run names.
    static func shortKey(_ key: String) -> String { String(key.split(separator: ".").last ?? Substring(key)) }

    /// Grid values in run names: ASCII letters, digits and `-_.=+` kept, anything else (`/`,
    /// spaces, non-ASCII) becomes `_`, and a second `.` in a row too, so no name holds `..`.
    static func sanitize(_ s: String) -> String {
        var out = ""
        for c in s {
            let keep = c.isASCII && (c.isLetter || c.isNumber || "-_.=+".contains(c)) && !(c == "." && out.last == ".")
            out.append(keep ? c : "_")
        }
        return out
    }

    /// The plan has a run, and every run name is a safe folder name (grid values can make one
    /// too long).
    static func checkRunNames(_ spec: SweepSpec, source: String) throws {
        let runs = SweepPlan(spec).runs
        if runs.isEmpty {
            throw SweepError("\(source): the sweep plans no run; add a 'teacher', 'baseline: true', a 'grid' or 'runs'")
        }
        for r in runs {
            if let rule = SafeName.problem(r.name, maxLength: SafeName.maxRunLength, extra: "=+") {
                throw SweepError("\(source): fields 'grid'/'runs': run name \(SweepSpec.quoted(r.name)) is not a safe folder name: \(rule); use fewer or shorter values")
            }
        }
    }

    /// `resultsRoot/<sweep>/<run>`, checked to stay inside `resultsRoot/<sweep>/` — the one place
    /// run folders are formed from names.
    public static func runFolder(_ run: String, sweep: String, resultsRoot: String) throws -> String {
        let sweepFolder = try SafeName.child(sweep, of: resultsRoot, what: "sweep name")
        return try SafeName.child(run, of: sweepFolder, what: "run name")
    }

    /// The printed plan: one line per run.
    public var summary: String {
        var lines = ["sweep \(spec.name): \(runs.count) runs (\(runs.filter { $0.role == .teacher }.count) teacher, " +
                     "\(runs.filter { $0.role == .baseline }.count) baseline, \(runs.filter { $0.role == .student }.count) distilled)"]
        for (i, r) in runs.enumerated() {
            let f = r.factors.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append(String(format: "%3d  %-9@ %@  %@", i + 1, r.role.rawValue as NSString, r.name as NSString, f as NSString))
        }
        return lines.joined(separator: "\n")
    }
}
