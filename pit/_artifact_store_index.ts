// The Artifact Store's metadata index: the SQL over the `artifact_` tables,
// each statement prepared once. Namespace rules live in the store, not here.
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { inTransaction } from "../conductor/host_database.ts";
import type { ArtifactVersion } from "./_artifact_store_types.ts";
import type { ArtifactUsage } from "./_artifact_store_maintenance.ts";

interface VersionRow {
  namespace: string;
  name: string;
  version: number;
  id: string;
  producer: string;
  media_type: string;
  size: number;
  tags: string;
  quality: number | null;
  created_at: number;
}

interface UsageRow {
  namespace: string;
  name: string;
  version: number;
  id: string;
  size: number;
  created_at: number;
  last_access_at: number;
  pinned: number;
}

/** A new version's row. */
export interface NewVersion {
  namespace: string;
  name: string;
  id: string;
  producer: string;
  mediaType: string;
  size: number;
  tags: readonly string[];
  quality: number | undefined;
  createdAt: number;
}

/** The filters of one search, already checked. */
export interface SearchFilters {
  namePrefix?: string | undefined;
  tag?: string | undefined;
  producer?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  limit: number;
}

const COLUMNS =
  "v.namespace, v.name, v.version, v.id, v.producer, v.media_type, v.size, v.tags, v.quality, v.created_at";

/** Prepared statements over the `artifact_` tables. */
export class ArtifactIndex {
  readonly #db: DatabaseSync;
  readonly #search = new Map<string, StatementSync>();
  readonly #insertBlob: StatementSync;
  readonly #nextVersion: StatementSync;
  readonly #insertVersion: StatementSync;
  readonly #insertTag: StatementSync;
  readonly #byId: StatementSync;
  readonly #byName: StatementSync;
  readonly #latest: StatementSync;
  readonly #one: StatementSync;
  readonly #pinned: StatementSync;
  readonly #deleteVersion: StatementSync;
  readonly #deleteTags: StatementSync;
  readonly #nameExists: StatementSync;
  readonly #share: StatementSync;
  readonly #unshare: StatementSync;
  readonly #sharesOf: StatementSync;
  readonly #setPinned: StatementSync;
  readonly #touch: StatementSync;
  readonly #usage: StatementSync;
  readonly #blobs: StatementSync;
  readonly #referenced: StatementSync;
  readonly #deleteBlob: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const one = "v.namespace = ? AND v.name = ? AND v.version = ?";
    this.#insertBlob = db.prepare(
      "INSERT INTO artifact_blobs (id, size, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
    );
    this.#nextVersion = db.prepare(
      `INSERT INTO artifact_names (namespace, name, last_version) VALUES (?, ?, 1)
       ON CONFLICT (namespace, name) DO UPDATE SET last_version = last_version + 1
       RETURNING last_version`,
    );
    this.#insertVersion = db.prepare(
      `INSERT INTO artifact_versions (namespace, name, version, id, producer, media_type, size,
         tags, quality, created_at, last_access_at, pinned)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    this.#insertTag = db.prepare(
      "INSERT INTO artifact_tags (namespace, tag, name, version) VALUES (?, ?, ?, ?)",
    );
    this.#byId = db.prepare(
      `SELECT ${COLUMNS} FROM artifact_versions v WHERE v.id = ?
       ORDER BY v.created_at DESC, v.rowid DESC`,
    );
    this.#byName = db.prepare(
      `SELECT ${COLUMNS} FROM artifact_versions v WHERE v.namespace = ? AND v.name = ?
       ORDER BY v.version`,
    );
    this.#latest = db.prepare(
      `SELECT ${COLUMNS} FROM artifact_versions v WHERE v.namespace = ? AND v.name = ?
       ORDER BY v.version DESC LIMIT 1`,
    );
    this.#one = db.prepare(`SELECT ${COLUMNS} FROM artifact_versions v WHERE ${one}`);
    this.#pinned = db.prepare(`SELECT v.pinned FROM artifact_versions v WHERE ${one}`);
    this.#deleteVersion = db.prepare(`DELETE FROM artifact_versions AS v WHERE ${one}`);
    this.#deleteTags = db.prepare(
      "DELETE FROM artifact_tags WHERE namespace = ? AND name = ? AND version = ?",
    );
    this.#nameExists = db.prepare(
      "SELECT 1 AS found FROM artifact_names WHERE namespace = ? AND name = ?",
    );
    this.#share = db.prepare(
      `INSERT INTO artifact_shares (namespace, name, shared_with) VALUES (?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    this.#unshare = db.prepare(
      "DELETE FROM artifact_shares WHERE namespace = ? AND name = ? AND shared_with = ?",
    );
    this.#sharesOf = db.prepare(
      "SELECT name, shared_with FROM artifact_shares WHERE namespace = ?",
    );
    this.#setPinned = db.prepare(`UPDATE artifact_versions AS v SET pinned = ? WHERE ${one}`);
    this.#touch = db.prepare(
      `UPDATE artifact_versions AS v SET last_access_at = max(last_access_at, ?) WHERE ${one}`,
    );
    this.#usage = db.prepare(
      `SELECT namespace, name, version, id, size, created_at, last_access_at, pinned
       FROM artifact_versions ORDER BY last_access_at, namespace, name, version`,
    );
    this.#blobs = db.prepare("SELECT id, size FROM artifact_blobs ORDER BY id");
    this.#referenced = db.prepare(
      "SELECT 1 AS found FROM artifact_versions WHERE id = ? LIMIT 1",
    );
    this.#deleteBlob = db.prepare("DELETE FROM artifact_blobs WHERE id = ?");
  }

  /** Records the blob (once) and the next version of its name, in one transaction. */
  insert(entry: NewVersion): ArtifactVersion {
    const { namespace, name, id, createdAt } = entry;
    return inTransaction(this.#db, () => {
      this.#insertBlob.run(id, entry.size, createdAt);
      const { last_version: version } = this.#nextVersion.get(namespace, name) as {
        last_version: number;
      };
      this.#insertVersion.run(
        namespace,
        name,
        version,
        id,
        entry.producer,
        entry.mediaType,
        entry.size,
        JSON.stringify(entry.tags),
        entry.quality ?? null,
        createdAt,
        createdAt,
      );
      for (const tag of entry.tags) this.#insertTag.run(namespace, tag, name, version);
      return toVersion(this.#one.get(namespace, name, version) as unknown as VersionRow);
    });
  }

  /** Every version holding this content, newest first. */
  byId(id: string): ArtifactVersion[] {
    return rows(this.#byId.all(id)).map(toVersion);
  }

  /** Every version of a name, oldest first. */
  versions(namespace: string, name: string): ArtifactVersion[] {
    return rows(this.#byName.all(namespace, name)).map(toVersion);
  }

  /** One version, the latest when `version` is undefined. */
  get(namespace: string, name: string, version: number | undefined): ArtifactVersion | undefined {
    const row = version === undefined
      ? this.#latest.get(namespace, name)
      : this.#one.get(namespace, name, version);
    return row === undefined ? undefined : toVersion(row as unknown as VersionRow);
  }

  /** Whether the version is pinned, or undefined when there is no such version. */
  pinned(namespace: string, name: string, version: number): boolean | undefined {
    const row = this.#pinned.get(namespace, name, version) as { pinned: number } | undefined;
    return row === undefined ? undefined : row.pinned === 1;
  }

  /** Removes a version and its tags; returns whether it existed. */
  delete(namespace: string, name: string, version: number): boolean {
    return inTransaction(this.#db, () => {
      this.#deleteTags.run(namespace, name, version);
      return Number(this.#deleteVersion.run(namespace, name, version).changes) > 0;
    });
  }

  /** Whether the name ever had a version in the namespace. */
  hasName(namespace: string, name: string): boolean {
    return this.#nameExists.get(namespace, name) !== undefined;
  }

  /** Shares a name of `namespace` with `grantee`. */
  share(namespace: string, name: string, grantee: string): void {
    this.#share.run(namespace, name, grantee);
  }

  /** Stops sharing; returns whether it was shared. */
  unshare(namespace: string, name: string, grantee: string): boolean {
    return Number(this.#unshare.run(namespace, name, grantee).changes) > 0;
  }

  /** What `namespace` shares: name -> the namespaces it is shared with. */
  sharesOf(namespace: string): Map<string, Set<string>> {
    const shares = new Map<string, Set<string>>();
    for (const row of this.#sharesOf.all(namespace) as { name: string; shared_with: string }[]) {
      const grantees = shares.get(row.name) ?? new Set<string>();
      grantees.add(row.shared_with);
      shares.set(row.name, grantees);
    }
    return shares;
  }

  /** Pins or unpins a version; returns whether it exists. */
  setPinned(namespace: string, name: string, version: number, pinned: boolean): boolean {
    return Number(this.#setPinned.run(pinned ? 1 : 0, namespace, name, version).changes) > 0;
  }

  /** Records last accesses: key `namespace\nname\nversion` -> time. */
  touch(touches: ReadonlyMap<string, number>): void {
    inTransaction(this.#db, () => {
      for (const [key, at] of touches) {
        const [namespace = "", name = "", version = "0"] = key.split("\n");
        this.#touch.run(at, namespace, name, Number(version));
      }
    });
  }

  /** Every version with what the Stale Manager weighs, least recently used first. */
  usage(): ArtifactUsage[] {
    return (this.#usage.all() as unknown as UsageRow[]).map((row) => ({
      namespace: row.namespace,
      name: row.name,
      version: row.version,
      id: row.id,
      size: row.size,
      createdAt: row.created_at,
      lastAccessAt: row.last_access_at,
      pinned: row.pinned === 1,
    }));
  }

  /** Every recorded blob with its size. */
  blobs(): { id: string; size: number }[] {
    return this.#blobs.all() as { id: string; size: number }[];
  }

  /** Whether any version holds this content. */
  referenced(id: string): boolean {
    return this.#referenced.get(id) !== undefined;
  }

  /** Forgets a blob's row. */
  deleteBlob(id: string): void {
    this.#deleteBlob.run(id);
  }

  /** The versions `namespace` owns or is shared, matching every filter, newest first. */
  search(namespace: string, filters: SearchFilters): ArtifactVersion[] {
    const where: string[] = [];
    const params: Record<string, SQLInputValue> = { ns: namespace, limit: filters.limit };
    if (filters.namePrefix !== undefined && filters.namePrefix !== "") {
      // LIKE for the index, escaped so % and _ are plain characters; substr
      // because LIKE ignores the case of ASCII letters.
      where.push(
        "v.name LIKE :like ESCAPE '\\' AND substr(v.name, 1, length(:prefix)) = :prefix",
      );
      params.like = `${filters.namePrefix.replace(/[\\%_]/g, "\\$&")}%`;
      params.prefix = filters.namePrefix;
    }
    if (filters.tag !== undefined) {
      where.push(
        `EXISTS (SELECT 1 FROM artifact_tags t WHERE t.namespace = v.namespace AND t.tag = :tag
           AND t.name = v.name AND t.version = v.version)`,
      );
      params.tag = filters.tag;
    }
    if (filters.producer !== undefined) {
      where.push("v.producer = :producer");
      params.producer = filters.producer;
    }
    if (filters.since !== undefined) {
      where.push("v.created_at >= :since");
      params.since = filters.since;
    }
    if (filters.until !== undefined) {
      where.push("v.created_at < :until");
      params.until = filters.until;
    }
    const key = where.join(" AND ");
    let statement = this.#search.get(key);
    if (statement === undefined) {
      const and = key === "" ? "" : ` AND ${key}`;
      statement = this.#db.prepare(
        `SELECT * FROM (
           SELECT ${COLUMNS} FROM artifact_versions v WHERE v.namespace = :ns${and}
           UNION ALL
           SELECT ${COLUMNS} FROM artifact_shares s
             JOIN artifact_versions v ON v.namespace = s.namespace AND v.name = s.name
             WHERE s.shared_with = :ns${and}
         ) ORDER BY created_at DESC, namespace, name, version DESC LIMIT :limit`,
      );
      this.#search.set(key, statement);
    }
    return rows(statement.all(params)).map(toVersion);
  }
}

function rows(result: unknown[]): VersionRow[] {
  return result as VersionRow[];
}

function toVersion(row: VersionRow): ArtifactVersion {
  const version: ArtifactVersion = {
    id: row.id,
    namespace: row.namespace,
    name: row.name,
    version: row.version,
    size: row.size,
    mediaType: row.media_type,
    tags: Object.freeze(JSON.parse(row.tags) as string[]),
    producer: row.producer,
    ...(row.quality === null ? {} : { quality: row.quality }),
    createdAt: row.created_at,
  };
  return Object.freeze(version);
}
