// The code a binary was built from. `BuildInfo.commit` is generated at build time by
// Plugins/BuildInfoPlugin from `git rev-parse` (12 hex digits, "-dirty" when tracked files had
// uncommitted changes, "unknown" outside a git checkout). Only the modules that record runs
// depend on this one, so a new commit recompiles them and not the engine.
extension BuildInfo {
    /// What the store records as a run's `code_version`.
    public static var codeVersion: String { commit }
}
