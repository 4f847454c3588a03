/**
 * The audit trail: an append-only, hash-chained record of every
 * security-relevant event, in the host database. Each record holds the
 * SHA-256 (WebCrypto) of a canonical encoding of its fields and of the
 * previous record's hash, so editing, removing or reordering any stored
 * record breaks the chain, and {@linkcode AuditTrail.verify} finds the first
 * broken record.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { inTransaction } from "./host_database.ts";

/** The kinds of audited events. */
export const AUDIT_KINDS = [
  "install",
  "update",
  "rollback",
  "uninstall",
  "grant",
  "revoke",
  "permission-denied",
  "crash",
  "disable",
  "enable",
  "suspend",
  "resume",
  "limit-kill",
  "policy-refusal",
  "call",
] as const;

/** One of {@linkcode AUDIT_KINDS}. */
export type AuditKind = typeof AUDIT_KINDS[number];

/** What is appended. */
export interface AuditEntry {
  kind: AuditKind;
  /** The extension it concerns, if any. */
  extension?: string;
  /** Who did it: `conductor` for the host's own decisions, `cli:<user>` for an admin. */
  actor: string;
  /** The facts, a JSON object. */
  detail: Record<string, unknown>;
}

/** A stored record. */
export interface AuditRecord extends AuditEntry {
  /** 1, 2, 3, … with no gaps. */
  seq: number;
  /** ISO 8601. */
  at: string;
  /** The previous record's hash; 64 zeros for the first. */
  prevHash: string;
  /** SHA-256, hex, of the canonical encoding of this record. */
  hash: string;
}

/** Which records to list. */
export interface AuditFilter {
  extension?: string;
  kind?: string;
  /** ISO 8601: records at or after. */
  since?: string;
  /** ISO 8601: records before. */
  until?: string;
  /** At most this many, the latest. */
  limit?: number;
}

/** The outcome of {@linkcode AuditTrail.verify}. */
export type AuditVerification =
  | { ok: true; count: number }
  | { ok: false; count: number; brokenAt: number; reason: string };

/** Records hashed to follow record `after`, not yet stored. */
export interface PreparedAudit {
  after: number;
  records: AuditRecord[];
}

/** The hash before the first record. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * A JSON encoding with object keys sorted at every level: the same value
 * always encodes to the same bytes.
 *
 * @param value A JSON value.
 * @returns Its canonical JSON text.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./audit_trail.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const encoder = new TextEncoder();

/**
 * The hash of a record: SHA-256 over the canonical encoding of its fields and
 * the previous hash.
 *
 * @param record The record without its own hash.
 * @returns The hash, hex.
 */
export async function auditHash(record: Omit<AuditRecord, "hash">): Promise<string> {
  const text = canonicalJson({
    seq: record.seq,
    at: record.at,
    kind: record.kind,
    extension: record.extension ?? null,
    actor: record.actor,
    detail: record.detail,
    prevHash: record.prevHash,
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

interface Row {
  seq: number;
  at: string;
  kind: string;
  extension: string | null;
  actor: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

function fromRow(row: Row): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    kind: row.kind as AuditKind,
    ...(row.extension === null ? {} : { extension: row.extension }),
    actor: row.actor,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Appends to, lists and verifies the audit trail.
 *
 * @example
 * ```ts
 * import { AuditTrail } from "./audit_trail.ts";
 * import { openHostDatabase } from "./host_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * using db = openHostDatabase(`${dir}/symphony.db`);
 * const trail = new AuditTrail(() => db);
 * await trail.append({ kind: "install", extension: "acme.x", actor: "cli:ada", detail: { version: "1.0.0" } });
 * assert.deepEqual(await trail.verify(), { ok: true, count: 1 });
 * assert.equal(trail.list({ extension: "acme.x" })[0]?.kind, "install");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class AuditTrail {
  readonly #db: () => DatabaseSync;
  // Entries waiting for the next commit, with who waits for them.
  #waiting: { entries: readonly AuditEntry[]; done: PromiseWithResolvers<AuditRecord[]> }[] = [];
  #writing = false;

  /** @param db The host database, opened on first use. */
  constructor(db: () => DatabaseSync) {
    this.#db = db;
  }

  /**
   * Appends records. Appends made while a commit is under way are committed
   * together in the next transaction (a group commit), in the order they were
   * made; another process appending meanwhile makes a commit re-chain and try
   * again.
   *
   * @param entries One or more entries, in order.
   * @returns The stored records, once committed.
   */
  append(entries: AuditEntry | readonly AuditEntry[]): Promise<AuditRecord[]> {
    const list = Array.isArray(entries) ? entries : [entries as AuditEntry];
    const done = Promise.withResolvers<AuditRecord[]>();
    this.#waiting.push({ entries: list, done });
    if (!this.#writing) void this.#commitAll();
    return done.promise;
  }

  async #commitAll(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0);
        try {
          const records = await this.#append(batch.flatMap((w) => w.entries));
          let at = 0;
          for (const waiter of batch) {
            waiter.done.resolve(records.slice(at, at + waiter.entries.length));
            at += waiter.entries.length;
          }
        } catch (error) {
          for (const waiter of batch) waiter.done.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /**
   * Hashes entries to follow the current last record, for
   * {@linkcode AuditTrail.insertPrepared} inside another transaction: a state
   * change and its audit record are then committed together or not at all.
   *
   * @param entries The entries, in order.
   * @returns The records, and the record they follow.
   */
  async prepare(entries: readonly AuditEntry[]): Promise<PreparedAudit> {
    const db = this.#db();
    const last = db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").get() as
      | { seq: number; hash: string }
      | undefined;
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const records: AuditRecord[] = [];
    const at = new Date().toISOString();
    for (const entry of entries) {
      seq++;
      const record = { ...entry, seq, at, prevHash };
      const hash = await auditHash(record);
      records.push({ ...record, hash });
      prevHash = hash;
    }
    return { after: last?.seq ?? 0, records };
  }

  /**
   * Inserts prepared records; call it inside a transaction.
   *
   * @param prepared From {@linkcode AuditTrail.prepare}.
   * @returns False when another record was appended since: prepare again.
   */
  insertPrepared(prepared: PreparedAudit): boolean {
    const db = this.#db();
    const now = db.prepare("SELECT max(seq) AS seq FROM audit").get() as { seq: number | null };
    if ((now.seq ?? 0) !== prepared.after) return false;
    const insert = db.prepare(
      "INSERT INTO audit (seq, at, kind, extension, actor, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const r of prepared.records) {
      insert.run(
        r.seq,
        r.at,
        r.kind,
        r.extension ?? null,
        r.actor,
        JSON.stringify(r.detail),
        r.prevHash,
        r.hash,
      );
    }
    return true;
  }

  async #append(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const prepared = await this.prepare(entries);
      if (inTransaction(this.#db(), () => this.insertPrepared(prepared))) return prepared.records;
    }
    throw new Error("Cannot append to the audit trail: it keeps changing");
  }

  /**
   * Lists records, oldest first.
   *
   * @param filter By extension, kind and time; `limit` keeps the latest.
   * @returns The records.
   */
  list(filter: AuditFilter = {}): AuditRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.extension !== undefined) (where.push("extension = ?"), args.push(filter.extension));
    if (filter.kind !== undefined) (where.push("kind = ?"), args.push(filter.kind));
    if (filter.since !== undefined) (where.push("at >= ?"), args.push(filter.since));
    if (filter.until !== undefined) (where.push("at < ?"), args.push(filter.until));
    const sql = `SELECT * FROM (SELECT * FROM audit ${
      where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""
    } ORDER BY seq DESC ${filter.limit === undefined ? "" : "LIMIT ?"}) ORDER BY seq`;
    if (filter.limit !== undefined) args.push(filter.limit);
    return (this.#db().prepare(sql).all(...args) as unknown as Row[]).map(fromRow);
  }

  /**
   * Recomputes the chain: every record's hash from its stored fields, every
   * link to the record before, and the numbering.
   *
   * @returns Whether it is intact, and otherwise the first broken record.
   */
  async verify(): Promise<AuditVerification> {
    const db = this.#db();
    // Batches of 1,000: WebCrypto digests run concurrently, but far more at once is slower.
    const batch = db.prepare("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT 1000");
    let previous = { seq: 0, hash: GENESIS_HASH };
    let count = 0;
    for (;;) {
      const rows = batch.all(previous.seq) as unknown as Row[];
      if (rows.length === 0) return { ok: true, count };
      // Each hash depends only on the record's own stored fields: all at once.
      const records = rows.map(fromRow);
      const hashes = await Promise.all(records.map((r) => auditHash(r)));
      for (const [i, record] of records.entries()) {
        const broken = (reason: string): AuditVerification => ({
          ok: false,
          count,
          brokenAt: record.seq,
          reason,
        });
        if (record.seq !== previous.seq + 1) {
          return broken(`record ${previous.seq + 1} is missing (the next is ${record.seq})`);
        }
        if (record.prevHash !== previous.hash) {
          return broken("it does not link to the record before it");
        }
        if (hashes[i] !== record.hash) return broken("its content does not match its hash");
        previous = { seq: record.seq, hash: record.hash };
        count++;
      }
    }
  }
}
