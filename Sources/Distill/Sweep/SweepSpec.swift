// A sweep file (experiments/<name>.yaml): what to train and how to vary it.
//
//   name: quick                      # sweep name (store key, results/<name>/)
//   description: free text
//   common:   { KEY: value, ... }    # overrides applied to every run, teacher included
//   teacher:  { config: FILE, opts: { KEY: value }, checkpoint: PATH }   # checkpoint optional: evaluated, not
//             trained; a ReidKD .safetensors, a `reidkd import` folder, a FastReID output folder, or a
//             .pth whose `config:` is its FastReID config (GivenTeacher.swift)
//   teachers: { r50: { config: FILE, opts: {…}, weight: 0.6 }, r101: {…} } # several, combined
//   assistant: { config: FILE, opts: { KD.METHOD: kl } }  # teacher → assistant → students
//   student:  { config: FILE, opts: { KEY: value } }                     # base student config
//   students: { r18: { KEY: value }, mbv2: { KEY: value } }              # named architectures
//   grid:     { KEY: [v1, v2], ... } # cartesian product, applied to distilled students only
//   runs:     [ { KEY: value }, ... ]  # explicit extra points (instead of or besides grid)
//   seeds:    [1, 2]
//   baseline: true                   # each architecture × seed also trained without KD
//   workers:  1
//
// Keys in the override maps are config keys (MODEL.BACKBONE.DEPTH, KD.METHOD, …); values are
// kept as YAML text and validated by the config system when each run's config is resolved,
// so a typo fails the whole sweep before anything trains.
import Foundation
import Yams
import Support
import Config
import NN

public struct SweepError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Ordered config overrides: (dotted key, YAML value text).
public typealias Overrides = [(key: String, value: String)]

public struct ModelRef: Equatable {
    public var config: String?
    public var opts: [String: String] = [:]
    public var optsOrder: [String] = []
    public var checkpoint: String?
    /// A teacher's share of a `teachers:` combination (normalised over the teachers).
    public var weight = 1.0
    public var overrides: Overrides { optsOrder.map { ($0, opts[$0]!) } }
}

public struct SweepSpec {
    public var name: String
    public var description = ""
    public var common: Overrides = []
    public var teacher: ModelRef?
    /// Several teachers (`teachers:`), by name; their outputs are combined by `weight`.
    public var teachers: [(name: String, ref: ModelRef)] = []
    /// A teacher assistant (`assistant:`): distilled from the teacher(s) first, then the teacher
    /// of every student.
    public var assistant: ModelRef?
    public var student = ModelRef()
    public var students: [(name: String, overrides: Overrides)] = []
    public var grid: [(key: String, values: [String])] = []
    public var runs: [Overrides] = []
    public var seeds: [Int] = [1]
    public var baseline = false
    public var workers = 1
    /// Early stopping of distilled students (nil: every run trains to its last epoch).
    public var prune: PruneSpec?
    /// Points drawn at random from per-key distributions, besides `grid` and `runs`.
    public var search: RandomSearch?
    /// The file's text, recorded verbatim in the store.
    public var sourceText = ""

    static let topKeys = ["name", "description", "common", "teacher", "teachers", "assistant", "student", "students", "grid", "runs",
                          "seeds", "baseline", "workers", "prune", "search"]

    public static func load(path: String) throws -> SweepSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SweepError("\(path): cannot read the sweep file (does it exist?)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String = "<sweep>") throws -> SweepSpec {
        let root: Node
        if let problem = YAMLGuard.problem(in: text) { throw SweepError("\(source): \(problem)") }
        do {
            guard let n = try Yams.compose(yaml: text) else { throw SweepError("\(source): the sweep file is empty") }
            root = n
        } catch let e as SweepError { throw e } catch {
            throw SweepError("\(source): not valid YAML: \(error)")
        }
        guard let map = root.mapping else { throw SweepError("\(source): the top level must be a mapping of sweep keys") }
        var spec = SweepSpec(name: "")
        for (k, v) in map {
            let key = k.string ?? ""
            let at = "\(source): '\(key)'"
            switch key {
            case "name": spec.name = try scalar(v, at)
            case "description": spec.description = try scalar(v, at)
            case "common": spec.common = try overrides(v, at)
            case "teacher": spec.teacher = try modelRef(v, at, allowCheckpoint: true)
            case "teachers":
                guard let m = v.mapping, !m.isEmpty else { throw SweepError("\(at) must map teacher names to {config, opts, checkpoint, weight}") }
                spec.teachers = try m.map { kv in
                    let name = try scalar(kv.key, at)
                    if let rule = SafeName.problem(name) { throw SweepError("\(at): teacher name \(quoted(name)) is not a safe folder name: \(rule)") }
                    return (name, try modelRef(kv.value, "\(at).\(name)", allowCheckpoint: true, allowWeight: true))
                }
            case "assistant": spec.assistant = try modelRef(v, at, allowCheckpoint: false)
            case "student": spec.student = try modelRef(v, at, allowCheckpoint: false)
            case "students":
                guard let m = v.mapping else { throw SweepError("\(at) must map architecture names to overrides") }
                spec.students = try m.map { (try scalar($0.key, at), try overrides($0.value, "\(at).\($0.key.string ?? "")")) }
            case "grid":
                guard let m = v.mapping else { throw SweepError("\(at) must map config keys to lists of values") }
                spec.grid = try m.map { kv in
                    let gk = try scalar(kv.key, at)
                    guard let seq = kv.value.sequence, !seq.isEmpty else {
                        throw SweepError("\(at).\(gk) must be a non-empty list, e.g. [4, 16]")
                    }
                    return (gk, seq.map(valueText))
                }
            case "runs":
                guard let seq = v.sequence else { throw SweepError("\(at) must be a list of override mappings") }
                spec.runs = try seq.enumerated().map { try overrides($0.element, "\(at)[\($0.offset)]") }
            case "seeds":
                guard let seq = v.sequence, !seq.isEmpty else { throw SweepError("\(at) must be a non-empty list of integers") }
                spec.seeds = try seq.map { guard let i = Int(valueText($0)) else { throw SweepError("\(at): '\(valueText($0))' is not an integer") }; return i }
            case "baseline":
                guard let b = Bool(valueText(v).lowercased()) else { throw SweepError("\(at) must be true or false") }
                spec.baseline = b
            case "workers":
                guard let w = Int(valueText(v)), w >= 1 else { throw SweepError("\(at) must be an integer ≥ 1") }
                spec.workers = w
            case "prune": spec.prune = try pruneSpec(v, at)
            case "search": spec.search = try RandomSearch.parse(v, at)
            default:
                throw SweepError("\(source): unknown sweep key '\(key)'\(didYouMean(key, topKeys)); valid keys: \(topKeys.joined(separator: ", "))")
            }
        }
        guard !spec.name.isEmpty else { throw SweepError("\(source): 'name' is required (it names the sweep in the store and results/<name>/)") }
        if spec.teacher != nil && !spec.teachers.isEmpty {
            throw SweepError("\(source): give either 'teacher' or 'teachers', not both")
        }
        if spec.assistant != nil && spec.teacher == nil && spec.teachers.isEmpty {
            throw SweepError("\(source): 'assistant' is distilled from the teacher: add 'teacher' (or 'teachers')")
        }
        if let rule = SafeName.problem(spec.name) {
            throw SweepError("\(source): field 'name': \(quoted(spec.name)) is not a safe folder name (it becomes results/<name>/): \(rule)")
        }
        for arch in spec.students {
            if let rule = SafeName.problem(arch.name) {
                throw SweepError("\(source): field 'students': architecture \(quoted(arch.name)) is not a safe folder name (it starts its runs' folder names): \(rule)")
            }
        }
        try SweepPlan.checkRunNames(spec, source: source)
        spec.sourceText = text
        return spec
    }

    /// `prune: {metric: mAP, rule: median | asha, warmup: E, every: E, reduction: 3, min_runs: 3}`.
    static func pruneSpec(_ n: Node, _ at: String) throws -> PruneSpec {
        guard let m = n.mapping else { throw SweepError("\(at) must be a mapping, e.g. {metric: mAP, rule: median, warmup: 4, every: 2}") }
        var p = PruneSpec()
        let valid = ["metric", "rule", "warmup", "every", "reduction", "min_runs"]
        func int(_ v: Node, _ key: String, min: Int) throws -> Int {
            guard let i = Int(valueText(v)), i >= min else { throw SweepError("\(at).\(key) must be an integer ≥ \(min), got '\(valueText(v))'") }
            return i
        }
        for (k, v) in m {
            let key = k.string ?? ""
            switch key {
            case "metric":
                p.metric = valueText(v)
                guard PruneSpec.evalKeys[p.metric] != nil else {
                    throw SweepError("\(at).metric: '\(p.metric)' is not an evaluation metric; use one of \(PruneSpec.evalKeys.keys.sorted().joined(separator: ", "))")
                }
            case "rule":
                guard let r = PruneSpec.Rule(rawValue: valueText(v)) else {
                    throw SweepError("\(at).rule: '\(valueText(v))' is not a rule; use median or asha")
                }
                p.rule = r
            case "warmup": p.warmup = try int(v, key, min: 1)
            case "every": p.every = try int(v, key, min: 1)
            case "reduction": p.reduction = try int(v, key, min: 2)
            case "min_runs": p.minRuns = try int(v, key, min: 1)
            default: throw SweepError("\(at): unknown key '\(key)'\(didYouMean(key, valid)); valid: \(valid.joined(separator: ", "))")
            }
        }
        return p
    }

    /// A name as it is shown in an error: quoted, control characters escaped, cut at 80.
    static func quoted(_ s: String) -> String { "'\(OneLine.escape(s, limit: 80))'" }

    static func scalar(_ n: Node, _ at: String) throws -> String {
        guard let s = n.scalar else { throw SweepError("\(at) must be a single value") }
        return s.string
    }

    /// YAML text of a value as the config system will parse it: scalars verbatim, lists in flow style.
    static func valueText(_ n: Node) -> String {
        if let s = n.scalar { return s.string }
        if let seq = n.sequence { return "[" + seq.map(valueText).joined(separator: ", ") + "]" }
        return (try? Yams.serialize(node: n).trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    }

    static func overrides(_ n: Node, _ at: String) throws -> Overrides {
        if case .scalar(let s) = n, s.string.isEmpty || s.string == "null" { return [] }
        guard let m = n.mapping else { throw SweepError("\(at) must map config keys to values, e.g. {MODEL.BACKBONE.DEPTH: 18}") }
        return try m.map { (try scalar($0.key, at), valueText($0.value)) }
    }

    static func modelRef(_ n: Node, _ at: String, allowCheckpoint: Bool, allowWeight: Bool = false) throws -> ModelRef {
        guard let m = n.mapping else { throw SweepError("\(at) must be a mapping with 'config' and/or 'opts'") }
        var r = ModelRef()
        for (k, v) in m {
            let key = k.string ?? ""
            switch key {
            case "config": r.config = try scalar(v, "\(at).config")
            case "opts":
                for (ok, ov) in try overrides(v, "\(at).opts") { r.opts[ok] = ov; r.optsOrder.append(ok) }
            case "checkpoint" where allowCheckpoint: r.checkpoint = try scalar(v, "\(at).checkpoint")
            case "weight" where allowWeight:
                guard let w = Double(try scalar(v, "\(at).weight")), w >= 0, w.isFinite else { throw SweepError("\(at).weight must be a number ≥ 0") }
                r.weight = w
            default:
                let valid = ["config", "opts"] + (allowCheckpoint ? ["checkpoint"] : []) + (allowWeight ? ["weight"] : [])
                throw SweepError("\(at): unknown key '\(key)'\(didYouMean(key, valid)); valid: \(valid.joined(separator: ", "))")
            }
        }
        return r
    }
}
