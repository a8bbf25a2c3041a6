// Runs a sweep's early stopping ended (status `pruned`): listed apart from the comparison (they
// did not train to the end, so their numbers are not comparable), with the epoch they stopped at,
// their metric there, and the compute they saved: the epochs they did not train times their own
// mean epoch time.
import Foundation
import Store

public struct PrunedRun: Sendable, Encodable {
    public let id: Int64
    public let name: String
    public let seed: Int
    public let prunedAtEpoch: Int?
    public let epochsSaved: Int?
    public let mAP: Double?
    /// Seconds not spent: epochs saved × the run's mean epoch time.
    public let secondsSaved: Double?
    /// The pruning rule's reason (the run's note).
    public let reason: String?

    static func load(_ run: Run, store: ExperimentStore) throws -> PrunedRun {
        let s = try store.summary(run: run.id)
        let epochs = try store.metricSeries(run: run.id, key: "epoch_seconds").map(\.value).filter(\.isFinite)
        let saved = s["epochs_saved"].map { Int($0) }
        let seconds = saved.flatMap { n in epochs.isEmpty ? nil : Double(n) * epochs.reduce(0, +) / Double(epochs.count) }
        return PrunedRun(id: run.id, name: run.name, seed: run.seed, prunedAtEpoch: s["pruned_at_epoch"].map { Int($0) },
                         epochsSaved: saved, mAP: s["mAP"], secondsSaved: seconds, reason: run.error)
    }
}

public enum PrunedRuns {
    /// Total epochs and seconds the pruned runs did not train.
    public static func saved(_ runs: [PrunedRun]) -> (epochs: Int, seconds: Double) {
        (runs.compactMap(\.epochsSaved).reduce(0, +), runs.compactMap(\.secondsSaved).reduce(0, +))
    }

    public static func markdown(_ runs: [PrunedRun]) -> String {
        let (e, sec) = saved(runs)
        var s = "\(runs.count) run(s) stopped early by the sweep's `prune:` rule, not in the tables above; "
        s += String(format: "they saved %d epochs, about %.0f s of training.\n\n", e, sec)
        s += "| run | seed | pruned at epoch | mAP there | epochs saved | why |\n|:--|--:|--:|--:|--:|:--|\n"
        for r in runs {
            s += "| \(r.name) (run \(r.id)) | \(r.seed) | \(r.prunedAtEpoch.map(String.init) ?? "—") | "
            s += "\(r.mAP.map { CellFormat.number($0, digits: 2) } ?? "—") | \(r.epochsSaved.map(String.init) ?? "—") | "
            s += (r.reason ?? "").replacingOccurrences(of: "|", with: "\\|") + " |\n"
        }
        return s
    }
}
