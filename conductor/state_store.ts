/**
 * The host's record of installed extensions, in the host database: each
 * change is one SQLite transaction, so a host killed at any point leaves the
 * state before the change or after it, never between. Every version ever
 * installed is kept too, for rollback.
 *
 * @module
 */
import type { Manifest } from "../manifest/mod.ts";
import type { Grants, TrustTier } from "../sandbox/mod.ts";
import type { HistoryEntry } from "./lifecycle.ts";
import type { DatabaseSync } from "node:sqlite";
import { SymphonyError } from "../symphony_error.ts";
import type { AuditEntry, AuditTrail } from "./audit_trail.ts";
import { inTransaction, openHostDatabase } from "./host_database.ts";

// Another process appended to the trail between prepare and insert.
class AuditRaced extends Error {}

/** The levels settings are set at, lowest first: a later level wins. */
export const SETTING_LEVELS = ["system", "user", "workspace"] as const;

/** One of {@linkcode SETTING_LEVELS}. */
export type SettingLevel = typeof SETTING_LEVELS[number];

/** One installed extension. */
export interface InstalledExtension {
  id: string;
  version: string;
  /** The validated manifest, as installed. */
  manifest: Manifest;
  /** When it was installed (ISO 8601). */
  installedAt: string;
  /** What was granted; absent kinds grant all requested. */
  grants: Grants;
  /** The merged settings: the manifest's defaults, then the system, user and workspace levels. */
  settings: Record<string, unknown>;
  /** The values set at each level, over the manifest's defaults. */
  settingLevels?: Partial<Record<SettingLevel, Record<string, unknown>>>;
  /** Where its code is, relative to `$SYMPHONY_HOME`: a directory of its own per install. Default: `extensions/<id>/<version>`. */
  codeDir?: string;
  /** SHA-256 (hex) of every file of the package as installed, by relative path. */
  files?: Record<string, string>;
  /** The record this one replaced by an update, for rollback (its grants and settings too). */
  previous?: InstalledExtension;
  /** A development install: the directory it runs from, watched for hot reload. */
  devDir?: string;
  /**
   * Set while it is disabled (by the circuit breaker, an admin, or an update
   * that asks for more): when and why, and the permissions such an update
   * asks for that enabling it grants.
   */
  disabled?: { at: string; reason: string; newPermissions?: Grants };
  /** Whether an admin suspended it. */
  suspended?: boolean;
  /** Crashes, limit kills, disables and enables, oldest first (the last 100). */
  history?: HistoryEntry[];
  /** What it may reach of the Pit; absent means `community`. */
  trust?: TrustTier;
}

/** Everything the host records. */
export interface HostState {
  version: 1;
  extensions: Record<string, InstalledExtension>;
}

/**
 * Reads and updates the installed extensions. The database opens on first
 * use; a host that had the older `state.json` has it imported once.
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * using store = new StateStore(`${dir}/host/symphony.db`);
 * assert.deepEqual(await store.read(), { version: 1, extensions: {} });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class StateStore implements Disposable {
  readonly #file: string;
  readonly #legacyFile: string | undefined;
  #db: DatabaseSync | undefined;

  /**
   * @param file The database file.
   * @param legacyFile A `state.json` of an older host, imported when the database is new.
   */
  constructor(file: string, legacyFile?: string) {
    this.#file = file;
    this.#legacyFile = legacyFile;
  }

  /** The open database, opened (and migrated) on first use. */
  get db(): DatabaseSync {
    if (this.#db === undefined) {
      this.#db = openHostDatabase(this.#file);
      this.#importLegacy(this.#db);
    }
    return this.#db;
  }

  /**
   * Reads the state.
   *
   * @returns The state.
   * @throws {SymphonyError} `Internal` when a stored record is damaged.
   */
  read(): Promise<HostState> {
    try {
      return Promise.resolve(readState(this.db));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Changes the state in one transaction: it is written whole or not at all,
   * and updates from several host processes never interleave.
   *
   * @param change Returns the new state from the current one.
   * @returns The new state.
   */
  update(change: (state: HostState) => HostState): Promise<HostState> {
    try {
      const db = this.db;
      return Promise.resolve(inTransaction(db, () => {
        const current = readState(db);
        const next = change(current);
        writeChanges(db, current, next);
        return next;
      }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Changes the state and appends audit records in one transaction: both are
   * stored, or neither. Retries when another process appended meanwhile.
   *
   * @param change Returns the new state from the current one.
   * @param audit The trail, in this database.
   * @param entries What to record.
   * @returns The new state.
   */
  async updateAudited(
    change: (state: HostState) => HostState,
    audit: AuditTrail,
    entries: readonly AuditEntry[],
  ): Promise<HostState> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const prepared = await audit.prepare(entries);
      const db = this.db;
      const next = inTransaction(db, () => {
        const current = readState(db);
        const next = change(current);
        writeChanges(db, current, next);
        if (!audit.insertPrepared(prepared)) throw new AuditRaced();
        return next;
      }, AuditRaced);
      if (next !== undefined) return next;
    }
    throw new SymphonyError("Internal", "Cannot record the change: the audit trail keeps changing");
  }

  /**
   * @param id An extension.
   * @returns Every version of it ever installed, oldest first, with its manifest.
   */
  versions(id: string): { version: string; manifest: Manifest; installedAt: string }[] {
    return (this.db.prepare(
      "SELECT version, manifest, installed_at FROM versions WHERE id = ? ORDER BY rowid",
    ).all(id) as { version: string; manifest: string; installed_at: string }[]).map((row) => ({
      version: row.version,
      manifest: JSON.parse(row.manifest) as Manifest,
      installedAt: row.installed_at,
    }));
  }

  /** Closes the database. */
  [Symbol.dispose](): void {
    this.#db?.close();
    this.#db = undefined;
  }

  #importLegacy(db: DatabaseSync): void {
    if (this.#legacyFile === undefined) return;
    let text: string;
    try {
      text = Deno.readTextFileSync(this.#legacyFile);
    } catch {
      return;
    }
    const legacy = JSON.parse(text) as HostState;
    inTransaction(db, () => {
      const current = readState(db);
      if (Object.keys(current.extensions).length > 0) return;
      writeChanges(db, current, legacy);
    });
    Deno.renameSync(this.#legacyFile, `${this.#legacyFile}.imported`);
  }
}

function readState(db: DatabaseSync): HostState {
  const extensions: Record<string, InstalledExtension> = {};
  for (const row of db.prepare("SELECT id, record FROM extensions ORDER BY id").all()) {
    const { id, record } = row as { id: string; record: string };
    try {
      extensions[id] = JSON.parse(record) as InstalledExtension;
    } catch (cause) {
      throw new SymphonyError("Internal", `Cannot read the record of ${id}: it is damaged`, {
        cause,
      });
    }
  }
  return { version: 1, extensions };
}

function writeChanges(db: DatabaseSync, before: HostState, after: HostState): void {
  const remove = db.prepare("DELETE FROM extensions WHERE id = ?");
  const upsert = db.prepare(
    "INSERT INTO extensions (id, record) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record",
  );
  const version = db.prepare(
    "INSERT OR IGNORE INTO versions (id, version, manifest, installed_at) VALUES (?, ?, ?, ?)",
  );
  for (const id of Object.keys(before.extensions)) {
    if (!(id in after.extensions)) remove.run(id);
  }
  for (const [id, record] of Object.entries(after.extensions)) {
    const text = JSON.stringify(record);
    if (JSON.stringify(before.extensions[id]) === text) continue;
    upsert.run(id, text);
    version.run(id, record.version, JSON.stringify(record.manifest), record.installedAt);
  }
}
