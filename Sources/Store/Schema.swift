// The store's schema as versioned migrations (GRDB's DatabaseMigrator, table `grdb_migrations`).
// Never edit a shipped migration: add a new one at the end. Each migration also sets
// `PRAGMA user_version` to its ordinal so the plain `sqlite3` client can tell the version.
//
// Plain column types only (INTEGER, REAL, TEXT) so `sqlite3` and pandas read every table.
// Timestamps: `*_at` columns are ISO-8601 UTC text with milliseconds ('2026-11-26T17:46:00.123Z',
// written by SQLite's own clock, sortable as text); `metrics.wall_time` is unix seconds (REAL),
// written by the logging process. The SQL here is copied verbatim in docs/STORE.md.
import GRDB

enum Schema {
    /// SQL for "now" in the store's timestamp format (SQLite; SQLDialect has both).
    static let now = SQLDialect.sqlite.now

    static let v1 = """
        CREATE TABLE sweeps (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            spec        TEXT NOT NULL,              -- the sweep YAML, verbatim
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
        );
        CREATE TABLE runs (
            id                  INTEGER PRIMARY KEY,
            sweep_id            INTEGER REFERENCES sweeps(id) ON DELETE CASCADE,  -- NULL: standalone run
            name                TEXT NOT NULL,
            role                TEXT NOT NULL CHECK (role IN ('teacher','baseline','student')),
            status              TEXT NOT NULL DEFAULT 'queued'
                                CHECK (status IN ('queued','running','finished','failed','diverged','interrupted')),
            config              TEXT NOT NULL,      -- resolved config, JSON
            config_hash         TEXT NOT NULL,
            seed                INTEGER NOT NULL,
            code_version        TEXT,
            dataset_fingerprint TEXT,
            host                TEXT,               -- worker that last claimed the run
            pid                 INTEGER,
            threads             INTEGER,
            created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            started_at          TEXT,
            finished_at         TEXT,
            heartbeat_at        TEXT,               -- refreshed by every metrics batch
            attempts            INTEGER NOT NULL DEFAULT 0,
            error               TEXT,
            UNIQUE (sweep_id, name)
        );
        CREATE INDEX runs_by_sweep_status ON runs(sweep_id, status);
        CREATE INDEX runs_by_config ON runs(config_hash, dataset_fingerprint);
        CREATE TABLE params (
            run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            key     TEXT NOT NULL,                  -- flattened config key, e.g. 'kd.temperature'
            value   TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX params_by_key ON params(key, value);
        CREATE TABLE metrics (
            run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            key       TEXT NOT NULL,                -- 'loss_ce', 'lr', 'images_per_s', 'eval.mAP' …
            step      INTEGER NOT NULL,
            epoch     INTEGER NOT NULL,
            value     REAL,                         -- NULL means NaN (SQLite stores no NaN)
            wall_time REAL NOT NULL,                -- unix seconds
            PRIMARY KEY (run_id, key, step)
        ) WITHOUT ROWID;
        CREATE TABLE summary (
            run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            key     TEXT NOT NULL,                  -- 'mAP', 'R1', 'params', 'flops', 'peak_rss_mb' …
            value   REAL,                           -- NULL means NaN
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE artifacts (
            id          INTEGER PRIMARY KEY,
            run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            kind        TEXT NOT NULL,              -- 'checkpoint', 'log', 'onnx', 'safetensors' …
            path        TEXT NOT NULL,
            sha256      TEXT NOT NULL,              -- lowercase hex
            bytes       INTEGER NOT NULL,
            created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            UNIQUE (run_id, path)
        );
        PRAGMA user_version = 1;
        """

    /// Provenance of the number: which BLAS library and kernel family computed it, on which CPU
    /// ('OpenBLAS 0.3.21 SkylakeX (upgraded from Prescott)', 'Intel(R) Xeon(R) … (GenuineIntel
    /// family 6 model 207; AVX-512, BF16)'). Set with host/pid/threads by every claim.
    static let v2 = """
        ALTER TABLE runs ADD COLUMN blas TEXT;
        ALTER TABLE runs ADD COLUMN cpu TEXT;
        PRAGMA user_version = 2;
        """

    /// Supervised sweeps. `runs.lease` names the lock file (under `<store>.locks/`) that the
    /// worker holding the run keeps locked while it lives: liveness the store can check, where a
    /// pid cannot tell a dead worker (a zombie, a recycled pid) from a live one. The sweep row
    /// records where its files are (`workdir`, where the relative paths of its configs start;
    /// the sweep file; the results root), so a `reidkd worker` started anywhere (a supervisor's
    /// child, a cluster job) can rebuild a run from the store alone.
    static let v3 = """
        ALTER TABLE runs ADD COLUMN lease TEXT;
        ALTER TABLE sweeps ADD COLUMN workdir TEXT;
        ALTER TABLE sweeps ADD COLUMN spec_path TEXT;
        ALTER TABLE sweeps ADD COLUMN results_root TEXT;
        PRAGMA user_version = 3;
        """

    /// A sweep's early stopping (`prune:` in the sweep file) ends runs as `pruned`. SQLite cannot
    /// alter a CHECK constraint, so `runs` is rebuilt with the new status and its columns, rows
    /// and indexes kept (GRDB defers the foreign-key checks of this migration to its end, so the
    /// rows that reference runs stay).
    static let v4 = """
        CREATE TABLE runs_v4 (
            id                  INTEGER PRIMARY KEY,
            sweep_id            INTEGER REFERENCES sweeps(id) ON DELETE CASCADE,
            name                TEXT NOT NULL,
            role                TEXT NOT NULL CHECK (role IN ('teacher','baseline','student')),
            status              TEXT NOT NULL DEFAULT 'queued'
                                CHECK (status IN ('queued','running','finished','failed','diverged','interrupted','pruned')),
            config              TEXT NOT NULL,
            config_hash         TEXT NOT NULL,
            seed                INTEGER NOT NULL,
            code_version        TEXT,
            dataset_fingerprint TEXT,
            host                TEXT,
            pid                 INTEGER,
            threads             INTEGER,
            created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            started_at          TEXT,
            finished_at         TEXT,
            heartbeat_at        TEXT,
            attempts            INTEGER NOT NULL DEFAULT 0,
            error               TEXT,
            blas                TEXT,
            cpu                 TEXT,
            lease               TEXT,
            UNIQUE (sweep_id, name)
        );
        INSERT INTO runs_v4 (id, sweep_id, name, role, status, config, config_hash, seed, code_version, dataset_fingerprint,
                             host, pid, threads, created_at, started_at, finished_at, heartbeat_at, attempts, error, blas, cpu, lease)
            SELECT id, sweep_id, name, role, status, config, config_hash, seed, code_version, dataset_fingerprint,
                   host, pid, threads, created_at, started_at, finished_at, heartbeat_at, attempts, error, blas, cpu, lease FROM runs;
        DROP TABLE runs;
        ALTER TABLE runs_v4 RENAME TO runs;
        CREATE INDEX runs_by_sweep_status ON runs(sweep_id, status);
        CREATE INDEX runs_by_config ON runs(config_hash, dataset_fingerprint);
        PRAGMA user_version = 4;
        """

    /// A run may need other runs of its sweep first (a teacher assistant its teacher, the students
    /// of several teachers all of them): their names, comma-separated; it is claimed only once
    /// each has finished with a model.
    static let v5 = """
        ALTER TABLE runs ADD COLUMN depends_on TEXT;
        PRAGMA user_version = 5;
        """

    /// Cluster jobs. `runs.job` names the batch job that last claimed the run (Slurm: `1234`,
    /// or `1234_5` for task 5 of array job 1234), so `reidkd sweep status` can join the store's
    /// runs with the scheduler's view of its jobs.
    static let v6 = """
        ALTER TABLE runs ADD COLUMN job TEXT;
        PRAGMA user_version = 6;
        """

    /// Migrations in order. Identifiers are stored in `grdb_migrations`.
    static let migrations: [(id: String, sql: String)] = [
        ("v1-initial", v1),
        ("v2-run-provenance", v2),
        ("v3-supervised-runs", v3),
        ("v4-pruned-status", v4),
        ("v5-run-dependencies", v5),
        ("v6-run-jobs", v6),
    ]

    /// PostgreSQL text of the migrations whose SQLite text `SQLDialect.postgres.ddl` cannot
    /// translate: a CHECK change, which SQLite makes by rebuilding the table (v4), is one
    /// ALTER there (PostgreSQL names a column's CHECK `<table>_<column>_check`).
    static let postgresMigrations: [String: String] = [
        "v4-pruned-status": """
            ALTER TABLE runs DROP CONSTRAINT runs_status_check;
            ALTER TABLE runs ADD CONSTRAINT runs_status_check
                CHECK (status IN ('queued','running','finished','failed','diverged','interrupted','pruned'));
            """,
    ]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for (id, sql) in migrations {
            // Deferred: a migration that rebuilds a table (v4) must not cascade-delete its children.
            m.registerMigration(id, foreignKeyChecks: .deferred) { db in try db.execute(sql: sql) }
        }
        return m
    }
}
