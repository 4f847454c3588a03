/**
 * The Stale Manager's decision, as a pure function of the items, the policy
 * and the time: what goes, why, and what the budget comes to.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import { formatBytes, formatDuration, ordinal } from "./_stale_manager_format.ts";
import type {
  StaleBudget,
  StaleItem,
  StalePolicy,
  StaleReason,
  StaleRemoval,
} from "./_stale_manager_types.ts";

/** What {@linkcode planRemovals} decides from. */
export interface PlanInput {
  /** Every item the source holds. */
  items: Iterable<StaleItem>;
  /** The validated policy. */
  policy: StalePolicy;
  /** The time to plan at (ms). */
  now: number;
  /** The item's last access: the later of the source's and the recorded one. */
  lastAccess: (item: StaleItem) => number;
  /** Whether a live workflow references the key. */
  isReferenced: (key: string) => boolean;
}

/** What {@linkcode planRemovals} decides. */
export interface PlanOutput {
  removals: StaleRemoval[];
  kept: { pinned: number; referenced: number };
  bytesFreed: number;
  budget?: StaleBudget;
  /** Every key listed, to forget the recorded accesses of keys gone. */
  present: Set<string>;
}

interface Candidate {
  item: StaleItem;
  lastAccess: number;
  protected: boolean;
}

/**
 * Decides what goes. The rules apply in this order, and an item matched by
 * several is removed once, for the first: age, idle, count per name, then the
 * size budget (least recently used first, until under it). Pinned and
 * referenced items are never removed.
 *
 * @param input The items, the policy and the time.
 * @returns The removals in the order decided, with the counts kept and the budget.
 * @throws {SymphonyError} `InvalidInput` when an item is malformed or a key is listed twice.
 *
 * @example
 * ```ts
 * import { planRemovals } from "./_stale_manager_plan.ts";
 * import assert from "node:assert/strict";
 *
 * const day = 86_400_000;
 * const item = { key: "a", name: "a", sizeBytes: 1, createdAt: 0, lastAccessAt: 0, pinned: false };
 * const plan = planRemovals({
 *   items: [item],
 *   policy: { maxAgeMs: 7 * day },
 *   now: 9 * day,
 *   lastAccess: (item) => item.lastAccessAt,
 *   isReferenced: () => false,
 * });
 * assert.equal(plan.removals[0]?.detail, "older than 7 days (created 9 days ago)");
 * ```
 */
export function planRemovals(input: PlanInput): PlanOutput {
  const { policy, now } = input;
  const present = new Set<string>();
  const candidates: Candidate[] = [];
  const kept = { pinned: 0, referenced: 0 };
  let bytesBefore = 0;
  for (const item of input.items) {
    checkItem(item);
    if (present.has(item.key)) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot plan the clean-up: the key "${item.key}" is listed twice`,
      );
    }
    present.add(item.key);
    bytesBefore += item.sizeBytes;
    let isProtected = true;
    if (item.pinned) kept.pinned++;
    else if (input.isReferenced(item.key)) kept.referenced++;
    else isProtected = false;
    candidates.push({ item, lastAccess: input.lastAccess(item), protected: isProtected });
  }

  const removed = new Set<string>();
  const removals: StaleRemoval[] = [];
  let bytesFreed = 0;
  const remove = (item: StaleItem, reason: StaleReason, detail: string): void => {
    removed.add(item.key);
    removals.push({ key: item.key, name: item.name, sizeBytes: item.sizeBytes, reason, detail });
    bytesFreed += item.sizeBytes;
  };
  const open = (candidate: Candidate): boolean =>
    !candidate.protected && !removed.has(candidate.item.key);

  const { maxAgeMs, maxIdleMs, keepPerName, maxTotalBytes } = policy;
  if (maxAgeMs !== undefined) {
    for (const candidate of candidates) {
      const age = now - candidate.item.createdAt;
      if (open(candidate) && age > maxAgeMs) {
        remove(
          candidate.item,
          "age",
          `older than ${formatDuration(maxAgeMs)} (created ${formatDuration(age)} ago)`,
        );
      }
    }
  }
  if (maxIdleMs !== undefined) {
    for (const candidate of candidates) {
      const idle = now - candidate.lastAccess;
      if (open(candidate) && idle > maxIdleMs) {
        remove(
          candidate.item,
          "idle",
          `not accessed for more than ${formatDuration(maxIdleMs)} ` +
            `(last access ${formatDuration(idle)} ago)`,
        );
      }
    }
  }
  if (keepPerName !== undefined) {
    for (const versions of byName(candidates).values()) {
      if (versions.length <= keepPerName) continue;
      // Newest first; versions of the same millisecond by key, highest first ("n@10" after "n@9").
      versions.sort((a, b) => b.item.createdAt - a.item.createdAt || compareKeys(b, a));
      versions.forEach((candidate, index) => {
        if (index < keepPerName || !open(candidate)) return;
        remove(
          candidate.item,
          "count",
          `not among the newest ${keepPerName} of ${versions.length} versions of ` +
            `"${candidate.item.name}" (${ordinal(index + 1)} newest, created ` +
            `${formatDuration(now - candidate.item.createdAt)} ago)`,
        );
      });
    }
  }
  let budget: StaleBudget | undefined;
  if (maxTotalBytes !== undefined) {
    let remaining = bytesBefore - bytesFreed;
    if (remaining > maxTotalBytes) {
      const leastRecentFirst = candidates.filter(open).sort((a, b) =>
        a.lastAccess - b.lastAccess || a.item.createdAt - b.item.createdAt || compareKeys(a, b)
      );
      for (const candidate of leastRecentFirst) {
        if (remaining <= maxTotalBytes) break;
        remove(
          candidate.item,
          "budget",
          `least recently used (last access ${formatDuration(now - candidate.lastAccess)} ago) ` +
            `while ${formatBytes(remaining - maxTotalBytes)} over the ` +
            `${formatBytes(maxTotalBytes)} budget`,
        );
        remaining -= candidate.item.sizeBytes;
      }
    }
    budget = budgetOf(maxTotalBytes, bytesBefore, bytesBefore - bytesFreed);
  }
  const output: PlanOutput = { removals, kept, bytesFreed, present };
  if (budget !== undefined) output.budget = budget;
  return output;
}

function budgetOf(limitBytes: number, bytesBefore: number, bytesAfter: number): StaleBudget {
  const shortfallBytes = Math.max(0, bytesAfter - limitBytes);
  const detail = shortfallBytes === 0
    ? `within the ${formatBytes(limitBytes)} budget: ${formatBytes(bytesAfter)} after clean-up`
    : `Cannot meet the ${formatBytes(limitBytes)} budget: ${formatBytes(bytesAfter)} remain, ` +
      `${formatBytes(shortfallBytes)} over, all of it pinned or referenced by a live workflow`;
  return { limitBytes, bytesBefore, bytesAfter, shortfallBytes, detail };
}

function byName(candidates: readonly Candidate[]): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.item.name);
    if (group === undefined) groups.set(candidate.item.name, [candidate]);
    else group.push(candidate);
  }
  return groups;
}

// Keys in order, the numbers in them by value: "n@2" before "n@10".
const KEY_ORDER = new Intl.Collator("en", { numeric: true });

function compareKeys(a: Candidate, b: Candidate): number {
  return KEY_ORDER.compare(a.item.key, b.item.key);
}

function checkItem(item: StaleItem): void {
  const problem = typeof item.key !== "string" || item.key === ""
    ? "its key is not a non-empty string"
    : typeof item.name !== "string"
    ? "its name is not a string"
    : !(Number.isFinite(item.sizeBytes) && item.sizeBytes >= 0)
    ? `its sizeBytes ${item.sizeBytes} is not a finite number of bytes, 0 or more`
    : !Number.isFinite(item.createdAt)
    ? `its createdAt ${item.createdAt} is not a finite time`
    : !Number.isFinite(item.lastAccessAt)
    ? `its lastAccessAt ${item.lastAccessAt} is not a finite time`
    : typeof item.pinned !== "boolean"
    ? "its pinned is not a boolean"
    : undefined;
  if (problem !== undefined) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot plan the clean-up: the item ${JSON.stringify(item.key)} is malformed: ${problem}`,
    );
  }
}
