// Helpers for the store tests: a fresh temporary directory per test and a small run plan.
import XCTest
import Foundation
@testable import Store

func tempDir(_ name: String = #function) -> String {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reidkd-store-\(clean)-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A plan like a sweep's: one teacher, then `students` students alternating baseline / KD.
func plan(students: Int, seedBase: Int = 0) -> [RunSpec] {
    var out = [RunSpec(name: "teacher", role: .teacher, config: #"{"model":"resnet50"}"#, configHash: "t-hash", seed: 0,
                       params: ["model.backbone": "resnet50", "train.epochs": "2"], codeVersion: "abc123", datasetFingerprint: "ds1")]
    for i in 0..<students {
        let kd = i % 2 == 1
        out.append(RunSpec(name: "student-\(i)", role: kd ? .student : .baseline,
                           config: #"{"model":"resnet18","i":\#(i)}"#, configHash: "s-hash-\(i)", seed: seedBase + i,
                           params: ["model.backbone": "resnet18", "train.epochs": "2", "kd.method": kd ? "logit" : "none",
                                    "kd.temperature": kd ? "4" : "-", "seed": "\(seedBase + i)"],
                           codeVersion: "abc123", datasetFingerprint: "ds1"))
    }
    return out
}

func message(_ body: () throws -> Any) -> String {
    do { _ = try body(); return "" } catch { return "\(error)" }
}

/// The store tests run on SQLite; with REIDKD_TEST_STORE=postgres they run again on PostgreSQL
/// (`make test` does both, the second under Scripts/with-postgres.sh, which sets
/// REIDKD_TEST_POSTGRES to a throw-away server's URL). Each store gets a schema of its own there.
enum TestBackend {
    static var isPostgres: Bool { ProcessInfo.processInfo.environment["REIDKD_TEST_STORE"] == "postgres" }

    /// The test server's URL; skips the test when there is none.
    static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["REIDKD_TEST_POSTGRES"], !url.isEmpty else {
            throw XCTSkip("no PostgreSQL test server (REIDKD_TEST_POSTGRES is unset): run through Scripts/with-postgres.sh, as `make test` does")
        }
        return url
    }

    static func sqliteOnly(_ why: String) throws {
        if isPostgres { throw XCTSkip("SQLite only: \(why)") }
    }

    static func postgresOnly(_ why: String) throws {
        if !isPostgres { throw XCTSkip("PostgreSQL only (REIDKD_TEST_STORE=postgres under Scripts/with-postgres.sh): \(why)") }
    }

    /// A new, empty PostgreSQL schema on the test server; the URL that puts a store in it.
    static func newSchema(_ name: String) throws -> String {
        let base = try postgresURL()
        let schema = "t_" + name.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(40) + "_" + UUID().uuidString.prefix(8).lowercased()
        let admin = try PostgresConnection(url: base, display: base)
        try admin.executeScript("CREATE SCHEMA \(schema)")
        return base + (base.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
    }
}

/// Where a new, empty store of the backend under test goes: an SQLite file in a fresh folder,
/// or a fresh PostgreSQL schema.
func freshStoreLocation(_ name: String = #function) throws -> String {
    TestBackend.isPostgres ? try TestBackend.newSchema(name) : tempDir(name) + "/s.sqlite"
}

/// A new, empty store of the backend under test.
func freshStore(_ name: String = #function) throws -> ExperimentStore {
    try ExperimentStore(path: freshStoreLocation(name))
}
