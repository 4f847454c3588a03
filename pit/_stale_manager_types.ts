/**
 * The Stale Manager's policy schema and the shapes it works with: the items,
 * their source, the idle processes, and the report.
 *
 * @module
 */
import { z } from "zod";

const durationMs = z.number({ error: "must be a finite number of milliseconds" })
  .positive("must be more than 0 milliseconds");

/** The retention policies; every one is optional, and one left out never removes anything. */
export const stalePolicySchema = z.strictObject({
  /** Remove items created longer ago than this (ms). */
  maxAgeMs: durationMs.optional(),
  /** Remove items not accessed for longer than this (ms); see `StaleManager.touch()`. */
  maxIdleMs: durationMs.optional(),
  /** Remove the least recently used items until all of them hold at most this many bytes. */
  maxTotalBytes: z.number({ error: "must be a finite number of bytes" })
    .nonnegative("must not be negative").optional(),
  /** Keep only the newest N versions (items of the same name, by `createdAt`) per name. */
  keepPerName: z.int({ error: "must be a whole number of versions" })
    .positive("must keep at least 1 version").optional(),
  /** Archive each item into this directory before removing it. */
  archiveDir: z.string({ error: "must be a directory path" }).min(1, "must not be empty")
    .optional(),
  /** Reap extension processes idle for longer than this (ms). */
  processIdleMs: durationMs.optional(),
});

/** The retention policies, validated by {@linkcode stalePolicySchema}. */
export type StalePolicy = z.infer<typeof stalePolicySchema>;

/** One artifact or piece of data the policies apply to. */
export interface StaleItem {
  /** Unique among the items. */
  key: string;
  /** Items of the same name are versions of one thing; `keepPerName` counts them. */
  name: string;
  sizeBytes: number;
  /** When it was created (ms since the epoch). */
  createdAt: number;
  /** When it was last accessed (ms), as the source knows it. */
  lastAccessAt: number;
  /** Pinned items are never removed. */
  pinned: boolean;
}

/** Where the items live (the Artifact Store, or an adapter over it). */
export interface StaleSource {
  /** Every item held now. */
  items(): Iterable<StaleItem> | Promise<Iterable<StaleItem>>;
  /** Copies the item into `dir` (creating it if needed), before it is removed. */
  archive(key: string, dir: string): Promise<void>;
  /** Removes the item. */
  remove(key: string): Promise<void>;
}

/** The extension processes that can be reaped when idle (the Pool Manager). */
export interface IdleReaper {
  /** The processes idle now, each with when it became idle (ms). */
  idleInstances(): { key: string; idleSinceMs: number }[];
  /** Stops the process. */
  reap(key: string): Promise<void>;
}

/** Why an item goes: the first policy that matched it. */
export type StaleReason = "age" | "idle" | "budget" | "count";

/** What became of one planned removal or reaping, in a run that was not a dry run. */
export interface StaleOutcome {
  /** `skipped` when the run was aborted before reaching it. */
  status: "done" | "failed" | "skipped";
  /** Why it failed or was skipped. */
  error?: string;
}

/** One item that goes (or would go, in a dry run). */
export interface StaleRemoval {
  key: string;
  name: string;
  sizeBytes: number;
  reason: StaleReason;
  /** The specific reason: "older than 7 days (created 9 days ago)". */
  detail: string;
  /** Set by `StaleManager.run()`. */
  outcome?: StaleOutcome;
}

/** One idle extension process that is (or would be) reaped. */
export interface StaleProcess {
  key: string;
  idleMs: number;
  /** "idle for 20 minutes (limit 15 minutes)". */
  detail: string;
  /** Set by `StaleManager.run()`. */
  outcome?: StaleOutcome;
}

/** Where the total size stands against `maxTotalBytes`. */
export interface StaleBudget {
  limitBytes: number;
  /** Every item's size, before the clean-up. */
  bytesBefore: number;
  /** Every item's size once the planned removals are done. */
  bytesAfter: number;
  /** How far over the limit the items stay (pinned and referenced ones); 0 when it is met. */
  shortfallBytes: number;
  /** The budget in words, saying when and by how much it cannot be met. */
  detail: string;
}

/** The dry-run report, or what a run did. */
export interface StaleReport {
  /** The time planned at (ms). */
  at: number;
  /** Whether nothing was changed. */
  dryRun: boolean;
  /** What goes, in the order decided: age, idle, count per name, then budget (least recently used first). */
  removals: StaleRemoval[];
  /** How many items were spared because pinned, or (not pinned but) referenced by a live workflow. */
  kept: { pinned: number; referenced: number };
  /** Bytes freed: planned in a dry run, the removals done otherwise. */
  bytesFreed: number;
  /** The idle processes beyond `processIdleMs`. */
  processes: StaleProcess[];
  /** Present when `maxTotalBytes` is set. */
  budget?: StaleBudget;
}

/** Calls `tick` every `intervalMs` until the returned function is called. */
export type StaleScheduler = (intervalMs: number, tick: () => void) => () => void;

/** How a `StaleManager` is built. */
export interface StaleManagerOptions {
  /** The items the policies apply to. */
  source: StaleSource;
  /** The retention policies. Default: none, so nothing is removed. */
  policy?: StalePolicy;
  /** Whether a live workflow references the key; such items are never removed. Default: none is. */
  isReferenced?: (key: string) => boolean;
  /** The idle processes to reap. Default: none. */
  reaper?: IdleReaper;
  /** The clock (ms). Default: `Date.now`. */
  now?: () => number;
  /** Receives the report of each scheduled run. Default: none. */
  onReport?: (report: StaleReport) => void;
  /** Receives the error of a scheduled run that failed. Default: `console.error`. */
  onError?: (error: unknown) => void;
  /** The timer of `StaleManager.start()`. Default: `setInterval`, unref'd so it never keeps the host alive. */
  schedule?: StaleScheduler;
}

/** Options of `StaleManager.run()`. */
export interface StaleRunOptions {
  /** Only report what would go. Default: false. */
  dryRun?: boolean;
  /** Stops the run before the next item; the items not reached are reported `skipped`. */
  signal?: AbortSignal;
}
