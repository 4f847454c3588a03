/**
 * The host's database: one SQLite file (`node:sqlite`, WAL mode, synchronous
 * NORMAL) in
 * `$SYMPHONY_HOME/host`, holding installed extensions, every installed
 * version, and the audit trail. Its schema is versioned (`PRAGMA
 * user_version`) and migrated forward when opened; each migration runs in a
 * transaction, so a host killed midway leaves the previous version intact.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** The schema migrations, in order: migration `i` takes the schema from version `i` to `i + 1`. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE extensions (
     id TEXT PRIMARY KEY,
     record TEXT NOT NULL
   ) STRICT;
   CREATE TABLE versions (
     id TEXT NOT NULL,
     version TEXT NOT NULL,
     manifest TEXT NOT NULL,
     installed_at TEXT NOT NULL,
     PRIMARY KEY (id, version)
   ) STRICT;
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     extension TEXT,
     actor TEXT NOT NULL,
     detail TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   ) STRICT;
   CREATE INDEX audit_by_extension ON audit (extension, seq);
   CREATE INDEX audit_by_kind ON audit (kind, seq);`,
  // 2: the Artifact Store's index (pit/artifact_store.ts).
  `CREATE TABLE artifact_blobs (
    id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE artifact_names (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    last_version INTEGER NOT NULL,
    PRIMARY KEY (namespace, name)
  ) STRICT;
  CREATE TABLE artifact_versions (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    id TEXT NOT NULL REFERENCES artifact_blobs (id),
    producer TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    tags TEXT NOT NULL,
    quality REAL,
    created_at INTEGER NOT NULL,
    last_access_at INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (namespace, name, version)
  ) STRICT;
  CREATE INDEX artifact_versions_by_id ON artifact_versions (id);
  CREATE INDEX artifact_versions_by_time ON artifact_versions (namespace, created_at);
  CREATE INDEX artifact_versions_by_producer ON artifact_versions (namespace, producer, created_at);
  CREATE TABLE artifact_tags (
    namespace TEXT NOT NULL,
    tag TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (namespace, tag, name, version)
  ) STRICT;
  CREATE TABLE artifact_shares (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    shared_with TEXT NOT NULL,
    PRIMARY KEY (namespace, name, shared_with)
  ) STRICT;
  CREATE INDEX artifact_shares_by_grantee ON artifact_shares (shared_with);`,
  // 3: the DAG Tracker's checkpoints (pit/dag_tracker.ts).
  `CREATE TABLE dag_workflows (
     id TEXT PRIMARY KEY,
     definition TEXT NOT NULL,
     finished INTEGER NOT NULL,
     updated_at TEXT NOT NULL,
     checkpoint_id TEXT NOT NULL
   ) STRICT;
   CREATE TABLE dag_node_states (
     workflow TEXT NOT NULL,
     node TEXT NOT NULL,
     state TEXT NOT NULL
       CHECK (state IN ('pending', 'ready', 'running', 'done', 'failed', 'skipped')),
     duration_ms REAL,
     attempts INTEGER NOT NULL,
     PRIMARY KEY (workflow, node)
   ) STRICT, WITHOUT ROWID;`,
];

/** The schema version this host writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/**
 * Opens (creating if needed) and migrates the host database.
 *
 * @param file The database file; its directory is created.
 * @param migrations The migrations to apply (tests pass a prefix).
 * @returns The open database.
 * @throws {Error} When the file was written by a newer host.
 *
 * @example
 * ```ts
 * import { openHostDatabase, SCHEMA_VERSION } from "./host_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * using db = openHostDatabase(`${dir}/host/symphony.db`);
 * assert.equal((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version, SCHEMA_VERSION);
 * assert.equal((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode, "wal");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openHostDatabase(
  file: string,
  migrations: readonly string[] = MIGRATIONS,
): DatabaseSync {
  mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  try {
    // Another host process may hold the write lock for a moment.
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("PRAGMA journal_mode = WAL");
    // In WAL mode NORMAL keeps every committed transaction through a crash or
    // SIGKILL of the host; a power cut may lose the last ones, never corrupt.
    // FULL would fsync every commit, ~2 ms on the host's event loop each.
    db.exec("PRAGMA synchronous = NORMAL");
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: DatabaseSync, migrations: readonly string[]): void {
  const version = () =>
    (db.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version;
  if (version() > migrations.length) {
    throw new Error(
      `Cannot open the host database: its schema is version ${version()}, newer than this host's ${migrations.length}`,
    );
  }
  while (version() < migrations.length) {
    const next = version();
    inTransaction(db, () => {
      // Re-read under the lock: another host may have migrated meanwhile.
      if (version() !== next) return;
      db.exec(migrations[next] ?? "");
      db.exec(`PRAGMA user_version = ${next + 1}`);
    });
  }
}

/**
 * Runs `work` in an immediate transaction: committed if it returns, rolled
 * back if it throws.
 *
 * @param db The database.
 * @param work The statements.
 * @returns What `work` returned.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T;
export function inTransaction<T>(
  db: DatabaseSync,
  work: () => T,
  retry: new () => Error,
): T | undefined;
export function inTransaction<T>(
  db: DatabaseSync,
  work: () => T,
  retry?: new () => Error,
): T | undefined {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    // A conflict the caller retries: rolled back, reported as undefined.
    if (retry !== undefined && error instanceof retry) return undefined;
    throw error;
  }
}
