/**
 * The lifecycle of an installed extension: its states, the record of its
 * restarts, and the rules that decide when a crashed extension may start
 * again (exponential backoff with jitter) and when it is disabled (a circuit
 * breaker: too many crashes in a window).
 *
 * ```text
 * installed → starting → ready ⇄ busy → stopping → stopped
 *                 plus: suspended, crashed, disabled
 * ```
 *
 * @module
 */

/** The states of an installed extension. */
export const EXTENSION_STATES = [
  "installed",
  "starting",
  "ready",
  "busy",
  "stopping",
  "stopped",
  "suspended",
  "crashed",
  "disabled",
] as const;

/** One of {@linkcode EXTENSION_STATES}. */
export type ExtensionState = typeof EXTENSION_STATES[number];

/** A change of state, with why it happened. */
export interface StateChange {
  id: string;
  from: ExtensionState;
  to: ExtensionState;
  reason: string;
  /** ISO 8601. */
  at: string;
}

/** What the restart history records. */
export type HistoryEvent = "crashed" | "stopped" | "disabled" | "enabled" | "suspended" | "resumed";

/** One entry of an extension's restart history, kept durably. */
export interface HistoryEntry {
  /** ISO 8601. */
  at: string;
  event: HistoryEvent;
  /** The contract's error code, for crashes and limit kills. */
  code?: string;
  reason: string;
}

/** How crashes are answered. */
export interface RestartPolicy {
  /** The first backoff, in ms. Default: 250. */
  baseDelayMs: number;
  /** The longest backoff, in ms. Default: 30,000. */
  maxDelayMs: number;
  /** Crashes within `windowMs` that disable the extension. Default: 3. */
  crashesToDisable: number;
  /** Default: 5 minutes. */
  windowMs: number;
}

/** The default {@linkcode RestartPolicy}: 3 crashes in 5 minutes disable. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  crashesToDisable: 3,
  windowMs: 5 * 60_000,
};

/** Entries of the history kept per extension; older ones are dropped. */
export const HISTORY_LIMIT = 100;

/**
 * The crashes that count towards the circuit breaker: those in the window,
 * and none from before the extension was last enabled.
 *
 * @param history The restart history, oldest first.
 * @param now The current time, in ms.
 * @param policy The window.
 * @returns The crashes that count.
 *
 * @example
 * ```ts
 * import { DEFAULT_RESTART_POLICY, recentCrashes } from "./lifecycle.ts";
 * import assert from "node:assert/strict";
 *
 * const now = Date.parse("2026-01-01T00:10:00Z");
 * const history = [
 *   { at: "2026-01-01T00:01:00Z", event: "crashed" as const, reason: "too old" },
 *   { at: "2026-01-01T00:06:00Z", event: "crashed" as const, reason: "counts" },
 *   { at: "2026-01-01T00:07:00Z", event: "enabled" as const, reason: "admin" },
 *   { at: "2026-01-01T00:08:00Z", event: "crashed" as const, reason: "counts" },
 * ];
 * assert.equal(recentCrashes(history, now, DEFAULT_RESTART_POLICY), 1);
 * ```
 */
export function recentCrashes(
  history: readonly HistoryEntry[],
  now: number,
  policy: RestartPolicy,
): number {
  let count = 0;
  for (const entry of history.toReversed()) {
    const at = Date.parse(entry.at);
    if (entry.event === "enabled" || now - at > policy.windowMs) break;
    if (entry.event === "crashed") count++;
  }
  return count;
}

/**
 * How long to wait before the next start after `crashes` crashes in a row:
 * doubling from the base delay, capped, with jitter of ±50 % so that many
 * extensions crashing together do not restart together.
 *
 * @param crashes Crashes since the last good run (0: no wait).
 * @param policy The delays.
 * @param random A number in [0, 1), for tests.
 * @returns The delay in ms.
 *
 * @example
 * ```ts
 * import { backoffDelay, DEFAULT_RESTART_POLICY } from "./lifecycle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(backoffDelay(0, DEFAULT_RESTART_POLICY), 0);
 * assert.equal(backoffDelay(1, DEFAULT_RESTART_POLICY, 0.5), 250);
 * assert.equal(backoffDelay(3, DEFAULT_RESTART_POLICY, 0.5), 1_000);
 * assert.equal(backoffDelay(30, DEFAULT_RESTART_POLICY, 0.5), 30_000);
 * ```
 */
export function backoffDelay(
  crashes: number,
  policy: RestartPolicy,
  random: number = Math.random(),
): number {
  if (crashes <= 0) return 0;
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(crashes - 1, 30));
  return Math.round(delay * (0.5 + random));
}

/**
 * Adds an entry to a history, dropping the oldest beyond {@linkcode HISTORY_LIMIT}.
 *
 * @param history The history so far.
 * @param entry The new entry.
 * @returns The new history.
 */
export function appendHistory(
  history: readonly HistoryEntry[] | undefined,
  entry: HistoryEntry,
): HistoryEntry[] {
  return [...(history ?? []), entry].slice(-HISTORY_LIMIT);
}
