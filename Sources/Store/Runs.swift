// Sweeps and the runs they plan: create/find a sweep, enqueue runs idempotently (re-running a
// sweep re-plans the same names and keeps their state), look runs up.
import Foundation
import Support

extension ExperimentStore {
    // MARK: Sweeps

    /// The sweep called `name`, created with `spec` if it does not exist yet. An existing sweep
    /// keeps its original spec (the runner compares run config hashes to detect edits).
    public func findOrCreateSweep(name: String, spec: String) throws -> Sweep {
        try write("creating sweep '\(name)'") { db in
            try db.execute(sql: "INSERT INTO sweeps (name, spec) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                           arguments: [name, spec])
            return try Self.sweepRow(db, name: name)!
        }
    }

    /// The sweep called `name`, or nil.
    public func sweep(named name: String) throws -> Sweep? {
        try read("reading sweep '\(name)'") { try Self.sweepRow($0, name: name) }
    }

    /// The sweep called `name`; throws `unknownSweep` naming the closest existing name.
    public func requireSweep(named name: String) throws -> Sweep {
        if let s = try sweep(named: name) { return s }
        let names = try sweeps().map(\.name)
        throw StoreError.unknownSweep(name: name, path: path, suggestion: Suggest.closest(to: name, in: names))
    }

    /// All sweeps, oldest first.
    public func sweeps() throws -> [Sweep] {
        try read("listing sweeps") { db in
            try db.fetchAll(sql: "SELECT * FROM sweeps ORDER BY id").map(Self.sweep(from:))
        }
    }

    static func sweepRow(_ db: SQLConnection, name: String) throws -> Sweep? {
        try db.fetchOne(sql: "SELECT * FROM sweeps WHERE name = ?", arguments: [name]).map(sweep(from:))
    }

    static func sweep(from row: SQLRow) -> Sweep {
        Sweep(id: row["id"], name: row["name"], spec: row["spec"], createdAt: StoreTime.parse(row["created_at"]))
    }

    // MARK: Runs

    /// Adds the planned runs as `queued`, with their flattened params, in one transaction, and
    /// returns the stored runs in `specs` order. A run whose (sweep, name) already exists is kept
    /// as it is (finished runs stay finished: that is how a re-run sweep skips them), unless its
    /// config hash differs, which throws `runConfigChanged`. Runs without a sweep are never merged.
    @discardableResult
    public func enqueue(_ specs: [RunSpec], sweep: Sweep?) throws -> [Run] {
        try write("queueing \(specs.count) runs") { db in
            var out: [Run] = []
            for spec in specs {
                // Insert unless (sweep, name) exists; under concurrency the loser's insert waits
                // for the winner's commit and does nothing (PostgreSQL), or never races (SQLite).
                let inserted = try db.fetchOne(Int64.self, sql: """
                    INSERT INTO runs (sweep_id, name, role, config, config_hash, seed, code_version, dataset_fingerprint, depends_on)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sweep_id, name) DO NOTHING RETURNING id
                    """, arguments: [sweep?.id, spec.name, spec.role.rawValue, spec.config, spec.configHash,
                                     spec.seed, spec.codeVersion, spec.datasetFingerprint,
                                     spec.dependsOn.isEmpty ? nil : spec.dependsOn.joined(separator: ",")])
                guard let id = inserted else {
                    let existing = try db.fetchOne(sql: "SELECT * FROM runs WHERE sweep_id = ? AND name = ?", arguments: [sweep?.id, spec.name])!
                    let run = try Self.run(from: existing)
                    guard run.configHash == spec.configHash else {
                        throw StoreError.runConfigChanged(sweep: sweep?.name ?? "", run: spec.name,
                                                          storedHash: run.configHash, newHash: spec.configHash)
                    }
                    out.append(run)
                    continue
                }
                try db.insertMany("INSERT INTO params (run_id, key, value)", width: 3,
                                  rows: spec.params.sorted(by: { $0.key < $1.key }).map { [.integer(id), .text($0.key), .text($0.value)] }, tail: "")
                out.append(try Self.run(from: db.fetchOne(sql: "SELECT * FROM runs WHERE id = ?", arguments: [id])!))
            }
            return out
        }
    }

    /// The run with this id; throws `unknownRun` (naming the store) if there is none.
    public func run(_ id: Int64) throws -> Run {
        try read("reading run \(id)") { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownRun(id: id, path: path)
            }
            return try Self.run(from: row)
        }
    }

    /// Runs matching `filter`, by id.
    public func runs(_ filter: RunFilter = RunFilter()) throws -> [Run] {
        try read("listing runs") { db in
            let (whereSQL, args) = Self.whereClause(filter, alias: "runs")
            return try db.fetchAll(sql: "SELECT * FROM runs \(whereSQL) ORDER BY id", arguments: args)
                .map(Self.run(from:))
        }
    }

    /// How many runs of the sweep (or of the whole store) are in each status.
    public func statusCounts(sweep: Int64? = nil) throws -> [RunStatus: Int] {
        try read("counting runs") { db in
            let (whereSQL, args) = Self.whereClause(RunFilter(sweep: sweep), alias: "runs")
            var out: [RunStatus: Int] = [:]
            for row in try db.fetchAll(sql: "SELECT status, COUNT(*) AS n FROM runs \(whereSQL) GROUP BY status", arguments: args) {
                if let s = RunStatus(rawValue: row["status"]) { out[s] = row["n"] }
            }
            return out
        }
    }

    static func whereClause(_ f: RunFilter, alias a: String) -> (String, SQLArguments) {
        var conds: [String] = []
        var args: SQLArguments = []
        if let s = f.sweep { conds.append("\(a).sweep_id = ?"); args.append(s) }
        if let st = f.statuses {
            let v = st.map(\.rawValue).sorted()
            conds.append("\(a).status IN (\(v.map { _ in "?" }.joined(separator: ",")))"); args += v.map { $0 }
            if v.isEmpty { conds.append("1 = 0") }
        }
        if let r = f.roles {
            let v = r.map(\.rawValue).sorted()
            conds.append("\(a).role IN (\(v.map { _ in "?" }.joined(separator: ",")))"); args += v.map { $0 }
            if v.isEmpty { conds.append("1 = 0") }
        }
        if let h = f.configHash { conds.append("\(a).config_hash = ?"); args.append(h) }
        if let d = f.datasetFingerprint { conds.append("\(a).dataset_fingerprint = ?"); args.append(d) }
        if let n = f.name { conds.append("\(a).name = ?"); args.append(n) }
        let sql = conds.isEmpty ? "" : "WHERE " + conds.joined(separator: " AND ")
        return (sql, args)
    }

    static func run(from row: SQLRow) throws -> Run {
        let roleText: String = row["role"], statusText: String = row["status"]
        // The CHECK constraints make these unreachable unless someone edited the file by hand.
        guard let role = RunRole(rawValue: roleText), let status = RunStatus(rawValue: statusText) else {
            throw StoreError.database(path: "", action: "reading run \(row["id"] as Int64)",
                                      message: "unexpected role '\(roleText)' or status '\(statusText)'")
        }
        var run = Run(id: row["id"], sweepID: row["sweep_id"], name: row["name"], role: role, status: status,
                      config: row["config"], configHash: row["config_hash"], seed: row["seed"],
                      codeVersion: row["code_version"], datasetFingerprint: row["dataset_fingerprint"],
                      host: row["host"], pid: row["pid"], threads: row["threads"], blas: row["blas"], cpu: row["cpu"],
                      createdAt: StoreTime.parse(row["created_at"]), startedAt: StoreTime.parse(row["started_at"]),
                      finishedAt: StoreTime.parse(row["finished_at"]), heartbeatAt: StoreTime.parse(row["heartbeat_at"]),
                      attempts: row["attempts"], error: row["error"], lease: row["lease"], job: row["job"])
        run.dependsOn = (row["depends_on"] as String?).map { $0.split(separator: ",").map(String.init) } ?? []
        return run
    }
}
