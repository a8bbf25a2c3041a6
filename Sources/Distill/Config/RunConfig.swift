// The full ReidKD config schema: every module's key group, composed in the order `config show`
// prints them (FastReID's order: MODEL, INPUT, DATALOADER, SOLVER, TEST, then KD, DATASETS and
// the run keys), plus the rules that cross module boundaries. Distill composes it because it is
// the lowest module that sees every group.
import Foundation
import Config
import NN
import Data
import Eval

public enum RunConfig {
    /// The schema, with the keys of every registered distillation term (rebuilt when a term is
    /// registered).
    public static var schema: ConfigSchema {
        lock.lock(); defer { lock.unlock() }
        if let s = cached, cachedGeneration == DistillTerms.generation { return s }
        let s = ConfigSchema(
            groups: [ModelKeys.self, LossKeys.self, InputKeys.self, DataloaderKeys.self, SolverKeys.self,
                     TestKeys.self, KDKeys.self] + DistillTerms.keyGroups + [DatasetKeys.self, RunKeys.self],
            rules: [identityBatchRule])
        cached = s; cachedGeneration = DistillTerms.generation
        return s
    }
    nonisolated(unsafe) private static var cached: ConfigSchema?
    nonisolated(unsafe) private static var cachedGeneration = -1
    private static let lock = NSLock()

    /// Loads a run config file (defaults ← `_BASE_` chain ← file ← `--opts`).
    public static func load(file: String, overrides: [String] = []) throws -> ResolvedConfig {
        try schema.load(file: file, overrides: overrides)
    }

    /// The defaults.
    public static var defaults: ResolvedConfig { schema.defaults() }

    /// The P×K sampler needs the batch to hold whole identities, at least two of them.
    static func identityBatchRule(_ c: ResolvedConfig) throws {
        guard c.peek(\DataloaderKeys.samplerTrain) == "NaiveIdentitySampler" else { return }
        let b = c.peek(\SolverKeys.imsPerBatch), k = c.peek(\DataloaderKeys.numInstance)
        if b % k != 0 || b / k < 2 {
            throw ConfigError("SOLVER.IMS_PER_BATCH (\(b)) must be a multiple of DATALOADER.NUM_INSTANCE (\(k)) with at least 2 identities per batch")
        }
    }
}
