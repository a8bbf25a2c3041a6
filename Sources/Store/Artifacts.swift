// Files a run produced: checkpoints, logs, exports — with digest and size so a later reader can
// tell the file on disk is the one the run wrote.
import Foundation
import Support

extension ExperimentStore {
    /// Records (or updates, same run and path) an artifact whose digest the caller computed.
    public func addArtifact(run: Int64, kind: String, path file: String, sha256: String, bytes: Int64) throws {
        try write("recording artifact \(file) of run \(run)") { db in
            try Self.upsertArtifact(db, run: run, ArtifactFile(kind: kind, path: file, sha256: sha256, bytes: bytes))
        }
    }

    /// Hashes the file at `path` and records it under its absolute path (readers such as the
    /// report and the export run from other folders). Returns the artifact row.
    @discardableResult
    public func recordArtifact(run: Int64, kind: String, file relative: String) throws -> Artifact {
        let file = URL(fileURLWithPath: relative).standardizedFileURL.path
        let digest: String, bytes: Int64
        do { (digest, bytes) = try SHA256.file(at: file) } catch let e as FileHashError {
            throw StoreError.unreadableArtifact(path: e.path, message: e.message)
        }
        try addArtifact(run: run, kind: kind, path: file, sha256: digest, bytes: bytes)
        return try artifacts(run: run).first { $0.path == file }!
    }

    /// Artifacts of `run`, oldest first.
    public func artifacts(run: Int64) throws -> [Artifact] {
        try read("listing artifacts of run \(run)") { db in
            try db.fetchAll(sql: "SELECT * FROM artifacts WHERE run_id = ? ORDER BY id", arguments: [run]).map {
                Artifact(runID: $0["run_id"], kind: $0["kind"], path: $0["path"], sha256: $0["sha256"],
                         bytes: $0["bytes"], createdAt: StoreTime.parse($0["created_at"]))
            }
        }
    }
}
