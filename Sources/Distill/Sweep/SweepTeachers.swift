// Which teachers a distilled run of a sweep learns from. With one `teacher:` it is the sweep's
// teacher run (KD.TEACHER_WEIGHTS names its checkpoint). With `teachers:` or an `assistant:`,
// KD.TEACHER_MIX names the runs (RUN=WEIGHT): each must be finished with a recorded model whose
// file is still the one recorded, and is built from its own resolved config.
import Foundation
import Support
import Config
import NN
import Store

extension SweepRunner {
    /// The teachers of `student` with their weights (one teacher: weight 1).
    func teachersOf(_ student: ResolvedConfig, numClasses: Int, sweep: Int64?) throws -> [(teacher: Teacher, weight: Double)] {
        let mix = student[\KDKeys.teacherMix]
        if mix.isEmpty { return try loadedTeacher(student: student, numClasses: numClasses, sweep: sweep).map { [($0, 1)] } ?? [] }
        return try mix.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let w = Double(parts[1]) else {
                throw TrainError("KD.TEACHER_MIX entry '\(entry)' is not RUN=WEIGHT")
            }
            return (try mixTeacher(parts[0], numClasses: numClasses, sweep: sweep), w)
        }
    }

    /// The finished run `name` of this sweep as a frozen teacher (loaded once per process).
    func mixTeacher(_ name: String, numClasses: Int, sweep: Int64?) throws -> Teacher {
        if let t = mixTeachers[name] { return t }
        guard let planned = runs.first(where: { $0.planned.name == name }) else {
            throw TrainError("KD.TEACHER_MIX names run '\(name)', which is not in sweep \(spec.name)")
        }
        let record = try sweep.flatMap { try store.runs(RunFilter(sweep: $0, name: name)).first }
        guard let record, record.status == .finished,
              let art = try store.artifacts(run: record.id).last(where: { $0.kind == "model" }) else {
            throw TrainError("run \(name) is \(record?.status.rawValue ?? "not recorded"), not finished with a model; the runs that distil from it wait for it (see `reidkd runs list --sweep \(spec.name)`)")
        }
        let digest = try? SHA256.file(at: art.path).sha256
        guard digest == art.sha256 else {
            throw TrainError("\(art.path) is \(digest == nil ? "missing" : "not the file run \(name) recorded (sha256 \(art.sha256.prefix(12)))"); re-run it (`reidkd sweep FILE --retry-failed`)")
        }
        let t = try Teacher(config: planned.config, weights: art.path, numClasses: numClasses)
        mixTeachers[name] = t
        return t
    }
}
