/**
 * Verifies one range of the audit chain, in this thread or in a worker: the
 * hash of every record, and the numbering and links between the records of
 * the range. The links into the range's first record, from the range before,
 * are left to the caller, which joins the ranges.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { canonicalText, isHexOf, recordText, sha256 } from "./_audit_hashing.ts";

/** The records after `after`, up to and including `upTo`. */
export interface SeqRange {
  after: number;
  upTo: number;
}

/** What {@linkcode verifyRange} found. */
export interface RangeVerification {
  /** The range's first record, whose link to the record before is the caller's to check. */
  first?: { seq: number; prevHash: string };
  /** The range's last record. */
  last?: { seq: number; hash: string };
  /** How many records verified, from the first: all of them, or those before `broken`. */
  count: number;
  /** The first broken record of the range. */
  broken?: { seq: number; reason: string };
}

/** What a worker verifying a range is asked (`_audit_verify_worker.ts`). */
export interface VerifyWorkerRequest extends SeqRange {
  /** The host database's file. */
  path: string;
}

/**
 * What the worker answers: how many records it has verified so far, now and
 * then; then the range verified, or why it could not be.
 */
export type VerifyWorkerReply =
  | { progress: number }
  | { range: RangeVerification }
  | { error: string };

/** How often {@linkcode verifyRange} reports its progress: every this many records. */
export const PROGRESS_EVERY = 1_000;

/** How {@linkcode verifyRange} reports its progress and is stopped. */
export interface VerifyRangeOptions {
  /** Stops the verification, which then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Called with how many records of the range are verified so far, every
   * {@linkcode PROGRESS_EVERY} records.
   */
  progress?: ((verified: number) => void) | undefined;
}

const CONTENT_BROKEN = "its content does not match its hash";

/**
 * Why a record does not follow the record before it, if it does not.
 *
 * @param previous The record before (seq 0 and the genesis hash before the first).
 * @param record The record.
 * @returns The reason, or undefined when it follows.
 */
export function linkBroken(
  previous: { seq: number; hash: string },
  record: { seq: number; prevHash: string },
): string | undefined {
  if (record.seq !== previous.seq + 1) {
    return `record ${previous.seq + 1} is missing (the next is ${record.seq})`;
  }
  if (record.prevHash !== previous.hash) return "it does not link to the record before it";
  return undefined;
}

// The audit table's columns, as read with setReturnArrays: no object per row.
type StoredRow = [
  seq: number,
  at: string,
  kind: string,
  extension: string | null,
  actor: string,
  detail: string,
  prevHash: string,
  hash: string,
];

/**
 * Records per page. A page's digests are issued together, and the next
 * page's before this one's are awaited: about 200 digests under way, where
 * WebCrypto costs the least CPU per digest (1,000 or more at once cost up to
 * half as much again).
 */
export const VERIFY_PAGE = 100;

function textOf(row: StoredRow, detail: string): string {
  return recordText(
    { seq: row[0], at: row[1], kind: row[2], extension: row[3], actor: row[4], prevHash: row[6] },
    detail,
  );
}

// The stored detail as canonical JSON, undefined when it is not JSON.
function canonicalDetail(stored: string): string | undefined {
  try {
    return canonicalText(JSON.parse(stored));
  } catch {
    return undefined;
  }
}

// A record's hash is over its detail as canonical JSON. insertPrepared
// stores that very text, so one digest of the stored text verifies a record;
// older versions stored JSON.stringify(detail), keys in the order given, which
// must be parsed and canonicalized first. A record whose hash does not match
// the text tried first is tried with the other one before it is found broken:
// which one goes first (canonicalFirst, when most of a recent page was stored
// the old way) is only a matter of speed.
interface HashedPage {
  rows: StoredRow[];
  // Whether each record's hash matches one of its texts.
  matches: Promise<boolean[]>;
  // How many of the records were seen stored the old way.
  nonCanonical: Promise<number>;
}

function hashPage(rows: StoredRow[], canonicalFirst: boolean): HashedPage {
  const tried: string[] = [];
  const digests: Promise<ArrayBuffer>[] = [];
  let nonCanonical = 0;
  for (const row of rows) {
    let detail = row[5];
    if (canonicalFirst) {
      detail = canonicalDetail(row[5]) ?? row[5];
      if (detail !== row[5]) nonCanonical++;
    }
    tried.push(detail);
    digests.push(sha256(textOf(row, detail)));
  }
  const checked = Promise.all(digests).then(async (hashes) => {
    const matches: boolean[] = [];
    const retries: Promise<void>[] = [];
    for (const [i, row] of rows.entries()) {
      const hash = hashes[i];
      matches.push(hash !== undefined && isHexOf(hash, row[7]));
      if (matches[i] === true) continue;
      const other = canonicalFirst ? row[5] : canonicalDetail(row[5]);
      if (other === undefined || other === tried[i]) continue;
      if (!canonicalFirst) nonCanonical++;
      retries.push(
        sha256(textOf(row, other)).then((digest) => {
          matches[i] = isHexOf(digest, row[7]);
        }),
      );
    }
    await Promise.all(retries);
    return { matches, nonCanonical };
  });
  return {
    rows,
    matches: checked.then((c) => c.matches),
    nonCanonical: checked.then((c) => c.nonCanonical),
  };
}

/**
 * Verifies the records of a range, in order, up to the first broken one.
 *
 * @param db The host database (or a read-only connection to its file).
 * @param range The records to verify.
 * @param options Its progress and its signal.
 * @returns The range's first and last records, and its first broken record.
 * @throws The signal's reason when it is aborted.
 */
export async function verifyRange(
  db: DatabaseSync,
  range: SeqRange,
  options: VerifyRangeOptions = {},
): Promise<RangeVerification> {
  const { signal, progress } = options;
  signal?.throwIfAborted();
  const page = db.prepare(
    "SELECT seq, at, kind, extension, actor, detail, prev_hash, hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
  );
  // node:sqlite has it (Node.js 24.0); the bundled types do not declare it yet.
  (page as StatementSync & { setReturnArrays(enabled: boolean): void }).setReturnArrays(true);
  const read = (after: number): StoredRow[] =>
    page.all(after, range.upTo, VERIFY_PAGE) as unknown as StoredRow[];
  const result: RangeVerification = { count: 0 };
  // The last record verified.
  let lastSeq = 0;
  let lastHash = "";
  let canonicalFirst = false;
  let reported = 0;
  let current = hashPage(read(range.after), canonicalFirst);
  while (current.rows.length > 0) {
    signal?.throwIfAborted();
    const next = hashPage(read(current.rows.at(-1)?.[0] ?? range.upTo), canonicalFirst);
    const matches = await current.matches;
    for (const [i, row] of current.rows.entries()) {
      const [seq, , , , , , prevHash, hash] = row;
      let reason: string | undefined;
      if (result.count === 0) result.first = { seq, prevHash };
      else reason = linkBroken({ seq: lastSeq, hash: lastHash }, { seq, prevHash });
      reason ??= matches[i] === true ? undefined : CONTENT_BROKEN;
      if (reason !== undefined) {
        result.broken = { seq, reason };
        return result;
      }
      lastSeq = seq;
      lastHash = hash;
      result.count++;
    }
    result.last = { seq: lastSeq, hash: lastHash };
    if (progress !== undefined && result.count - reported >= PROGRESS_EVERY) {
      reported = result.count;
      progress(reported);
    }
    // Most of the last page was stored before detail was canonical: likely the next ones too.
    canonicalFirst = await current.nonCanonical > current.rows.length / 2;
    current = next;
  }
  return result;
}
