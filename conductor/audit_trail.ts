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
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { SymphonyError } from "../symphony_error.ts";
import { canonicalText, hexOf, recordText, sha256 } from "./_audit_hashing.ts";
import {
  linkBroken,
  type RangeVerification,
  verifyRange,
  type VerifyRangeOptions,
  type VerifyWorkerReply,
  type VerifyWorkerRequest,
} from "./_audit_verify_range.ts";
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
  "trust",
  "arbitration",
  "gc",
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

/** Options for {@linkcode AuditTrail}. */
export interface AuditTrailOptions {
  /**
   * How long an append waits for others to be committed with it, in ms. The
   * host's own records (crashes, calls between extensions) wait a few ms, so
   * that a burst of them costs one transaction. Default: 0, committed at once.
   */
  groupWindowMs?: number;
  /**
   * How many workers {@linkcode AuditTrail.verify} splits a long chain
   * between, each verifying a range of it from its own read-only connection
   * to the database file. Default: the number of CPU cores, at most 8; below
   * 2, chains are verified in the calling thread.
   */
  verifyWorkers?: number;
  /**
   * The length from which a chain is verified by workers; shorter ones, and
   * databases without a file (`:memory:`), are verified in the calling
   * thread. Default: 50,000 records.
   */
  parallelFrom?: number;
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

/** How {@linkcode AuditTrail.verify} reports its progress and is stopped. */
export interface AuditVerifyOptions {
  /** Stops the verification, which then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called now and then (every thousand records or so) with how many records
   * are verified so far and how many there are.
   */
  progress?(verified: number, total: number): void;
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
  return canonicalText(value);
}

/**
 * The hash of a record: SHA-256 over the canonical encoding of its fields and
 * the previous hash.
 *
 * @param record The record without its own hash.
 * @returns The hash, hex.
 *
 * @example The canonical encoding of the fields, keys sorted
 * ```ts
 * import { auditHash, canonicalJson } from "./audit_trail.ts";
 * import assert from "node:assert/strict";
 *
 * const record = {
 *   seq: 1, at: "2026-01-01T00:00:00.000Z", kind: "call" as const, actor: "acme.a",
 *   detail: { b: 1, a: "x" }, prevHash: "0".repeat(64),
 * };
 * const text = canonicalJson({ ...record, extension: null });
 * const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
 * assert.equal(await auditHash(record), Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
 * ```
 */
export async function auditHash(record: Omit<AuditRecord, "hash">): Promise<string> {
  return hexOf(await sha256(recordText(record, canonicalJson(record.detail))));
}

// The canonical detail text of the records prepare() hashed, for insertPrepared to store.
const canonicalDetails = new WeakMap<AuditRecord, string>();

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
  readonly #groupWindowMs: number;
  readonly #verifyWorkers: number;
  readonly #parallelFrom: number;
  // Entries waiting for the next commit, with who waits for them.
  #waiting: { entries: readonly AuditEntry[]; done: PromiseWithResolvers<AuditRecord[]> }[] = [];
  #writing = false;
  // Prepared once per database: compiling the SQL costs more than running it.
  #statements:
    | { db: DatabaseSync; last: StatementSync; max: StatementSync; insert: StatementSync }
    | undefined;

  /**
   * @param db The host database, opened on first use.
   * @param options How long appends wait to be committed together, and how
   *   verifying is split between workers.
   */
  constructor(db: () => DatabaseSync, options: AuditTrailOptions = {}) {
    this.#db = db;
    this.#groupWindowMs = options.groupWindowMs ?? 0;
    this.#verifyWorkers = options.verifyWorkers ?? Math.min(navigator.hardwareConcurrency, 8);
    this.#parallelFrom = options.parallelFrom ?? 50_000;
  }

  /**
   * Appends records. Appends made while a commit is under way, or within the
   * group window, are committed together in the next transaction (a group
   * commit), in the order they were made; another process appending
   * meanwhile makes a commit re-chain and try again.
   *
   * @param entries One or more entries, in order.
   * @returns The stored records, once committed.
   */
  append(entries: AuditEntry | readonly AuditEntry[]): Promise<AuditRecord[]> {
    const list = Array.isArray(entries) ? entries : [entries as AuditEntry];
    const done = Promise.withResolvers<AuditRecord[]>();
    this.#waiting.push({ entries: list, done });
    if (!this.#writing) {
      this.#writing = true;
      if (this.#groupWindowMs > 0) setTimeout(() => void this.#commitAll(), this.#groupWindowMs);
      else void this.#commitAll();
    }
    return done.promise;
  }

  async #commitAll(): Promise<void> {
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

  #prepared(): { last: StatementSync; max: StatementSync; insert: StatementSync } {
    const db = this.#db();
    if (this.#statements?.db !== db) {
      this.#statements = {
        db,
        last: db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"),
        max: db.prepare("SELECT max(seq) AS seq FROM audit"),
        insert: db.prepare(
          "INSERT INTO audit (seq, at, kind, extension, actor, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ),
      };
    }
    return this.#statements;
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
    const last = this.#prepared().last.get() as
      | { seq: number; hash: string }
      | undefined;
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const records: AuditRecord[] = [];
    const at = new Date().toISOString();
    for (const entry of entries) {
      seq++;
      // auditHash(), keeping the canonical detail for insertPrepared to store.
      const detail = canonicalJson(entry.detail);
      const fields = {
        seq,
        at,
        kind: entry.kind,
        extension: entry.extension,
        actor: entry.actor,
        prevHash,
      };
      const hash = hexOf(await sha256(recordText(fields, detail)));
      const record: AuditRecord = { ...entry, seq, at, prevHash, hash };
      canonicalDetails.set(record, detail);
      records.push(record);
      prevHash = hash;
    }
    return { after: last?.seq ?? 0, records };
  }

  /**
   * Inserts prepared records; call it inside a transaction. Each detail is
   * stored as canonical JSON, the text its hash was computed over.
   *
   * @param prepared From {@linkcode AuditTrail.prepare}.
   * @returns False when another record was appended since: prepare again.
   */
  insertPrepared(prepared: PreparedAudit): boolean {
    const { max, insert } = this.#prepared();
    const now = max.get() as { seq: number | null };
    if ((now.seq ?? 0) !== prepared.after) return false;
    for (const r of prepared.records) {
      insert.run(
        r.seq,
        r.at,
        r.kind,
        r.extension ?? null,
        r.actor,
        canonicalDetails.get(r) ?? canonicalJson(r.detail),
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
    throw new SymphonyError("Internal", "Cannot append to the audit trail: it keeps changing");
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
   * link to the record before, and the numbering. A chain of
   * {@linkcode AuditTrailOptions.parallelFrom} records or more, in a database
   * file, is split into ranges verified by workers at once.
   *
   * @param options Its progress and its signal.
   * @returns Whether it is intact, and otherwise the first broken record.
   * @throws {SymphonyError} `Internal` when a worker fails.
   * @throws The signal's reason when it is aborted.
   *
   * @example Split between two workers, however short the chain
   * ```ts
   * import { AuditTrail } from "./audit_trail.ts";
   * import { openHostDatabase } from "./host_database.ts";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * using db = openHostDatabase(`${dir}/symphony.db`);
   * const trail = new AuditTrail(() => db, { verifyWorkers: 2, parallelFrom: 1 });
   * await trail.append([1, 2, 3].map((i) => ({ kind: "call", actor: "conductor", detail: { i } })));
   * assert.deepEqual(await trail.verify(), { ok: true, count: 3 });
   * db.exec("UPDATE audit SET actor = 'cli:mallory' WHERE seq = 2");
   * assert.deepEqual(await trail.verify(), {
   *   ok: false,
   *   count: 1,
   *   brokenAt: 2,
   *   reason: "its content does not match its hash",
   * });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerification> {
    const { signal } = options;
    signal?.throwIfAborted();
    const db = this.#db();
    const last = (this.#prepared().max.get() as { seq: number | null }).seq ?? 0;
    const path = db.location();
    if (
      path === null || path === "" || path === ":memory:" || this.#verifyWorkers < 2 ||
      last < this.#parallelFrom
    ) {
      const progress = options.progress &&
        ((verified: number) => options.progress?.(verified, last));
      return await joinRanges([verifyRange(db, { after: 0, upTo: last }, { signal, progress })]);
    }
    // Range k holds the records after bound(k) up to bound(k + 1).
    const bound = (k: number): number => Math.floor((last * k) / this.#verifyWorkers);
    const workers: Worker[] = [];
    // How many records each worker has verified so far.
    const verified: number[] = [];
    try {
      const ranges: Promise<RangeVerification>[] = [];
      for (let k = 0; k < this.#verifyWorkers; k++) {
        const worker = new Worker(new URL("./_audit_verify_worker.ts", import.meta.url), {
          type: "module",
        });
        workers.push(worker);
        verified.push(0);
        const progress = options.progress && ((count: number) => {
          verified[k] = count;
          options.progress?.(verified.reduce((sum, n) => sum + n, 0), last);
        });
        ranges.push(
          verifyInWorker(worker, { path, after: bound(k), upTo: bound(k + 1) }, {
            signal,
            progress,
          }),
        );
      }
      return await joinRanges(ranges);
    } finally {
      for (const worker of workers) worker.terminate();
    }
  }
}

// Sends a worker its range, and resolves with its answer; rejects with the
// signal's reason when it is aborted first (the caller terminates the worker).
function verifyInWorker(
  worker: Worker,
  request: VerifyWorkerRequest,
  options: VerifyRangeOptions,
): Promise<RangeVerification> {
  const { promise, resolve, reject } = Promise.withResolvers<RangeVerification>();
  const { signal, progress } = options;
  const aborted = (): void => reject(signal?.reason);
  signal?.addEventListener("abort", aborted, { once: true });
  promise.finally(() => signal?.removeEventListener("abort", aborted)).catch(() => undefined);
  const failed = (why: string, cause?: unknown): void =>
    reject(
      new SymphonyError("Internal", `Cannot verify the audit trail: a worker failed: ${why}`, {
        cause,
      }),
    );
  worker.onmessage = (event: MessageEvent<VerifyWorkerReply>): void => {
    const reply = event.data;
    if ("progress" in reply) progress?.(reply.progress);
    else if ("range" in reply) resolve(reply.range);
    else failed(reply.error);
  };
  worker.onerror = (event: ErrorEvent): void => {
    // Handled here: not rethrown in this thread.
    event.preventDefault();
    failed(event.message, event.error);
  };
  worker.onmessageerror = (): void => failed("its answer could not be read");
  worker.postMessage(request);
  return promise;
}

// Joins verified ranges, in chain order, into the verification of the whole
// chain: checks the link into each range's first record, and reports the
// first broken record as if the chain had been verified in one pass.
async function joinRanges(
  ranges: readonly Promise<RangeVerification>[],
): Promise<AuditVerification> {
  // Awaited in order below; a later one that fails meanwhile is not unhandled.
  for (const range of ranges) range.catch(() => undefined);
  let previous = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for (const pending of ranges) {
    const range = await pending;
    if (range.first !== undefined) {
      const reason = linkBroken(previous, range.first);
      if (reason !== undefined) return { ok: false, count, brokenAt: range.first.seq, reason };
    }
    if (range.broken !== undefined) {
      const { seq, reason } = range.broken;
      return { ok: false, count: count + range.count, brokenAt: seq, reason };
    }
    count += range.count;
    previous = range.last ?? previous;
  }
  return { ok: true, count };
}
