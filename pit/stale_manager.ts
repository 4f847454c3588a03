/**
 * The Stale Manager: system hygiene. Retention policies on artifacts and data
 * (age, last access, a total size budget with least-recently-used removal,
 * versions kept per name), never removing what is pinned or what a live
 * workflow references; archiving before deletion; reaping idle extension
 * processes; a dry-run report of what would go, the bytes freed and why. Runs
 * on a schedule and on demand (`symphony gc [--dry-run]`).
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import { AccessTimes } from "./_stale_manager_access_times.ts";
import { formatDuration } from "./_stale_manager_format.ts";
import { planRemovals } from "./_stale_manager_plan.ts";
import {
  type IdleReaper,
  type StaleManagerOptions,
  type StaleOutcome,
  type StalePolicy,
  stalePolicySchema,
  type StaleProcess,
  type StaleReport,
  type StaleRunOptions,
  type StaleScheduler,
  type StaleSource,
} from "./_stale_manager_types.ts";

export {
  type IdleReaper,
  type StaleBudget,
  type StaleItem,
  type StaleManagerOptions,
  type StaleOutcome,
  type StalePolicy,
  stalePolicySchema,
  type StaleProcess,
  type StaleReason,
  type StaleRemoval,
  type StaleReport,
  type StaleRunOptions,
  type StaleScheduler,
  type StaleSource,
} from "./_stale_manager_types.ts";

/**
 * Applies the retention policies to a {@linkcode StaleSource} and reaps idle
 * processes, on demand or on a schedule. Accesses recorded with
 * {@linkcode StaleManager.touch} count as the items' last access.
 *
 * @example Plan, then run
 * ```ts
 * import { StaleManager } from "./stale_manager.ts";
 * import assert from "node:assert/strict";
 *
 * const day = 86_400_000;
 * const items = new Map([
 *   ["old", { key: "old", name: "log", sizeBytes: 10, createdAt: 0, lastAccessAt: 0, pinned: false }],
 *   ["new", { key: "new", name: "log", sizeBytes: 10, createdAt: 8 * day, lastAccessAt: 8 * day, pinned: false }],
 * ]);
 * const source = {
 *   items: () => items.values(),
 *   archive: () => Promise.resolve(),
 *   remove: (key: string) => Promise.resolve(void items.delete(key)),
 * };
 * using stale = new StaleManager({ source, policy: { maxAgeMs: 7 * day }, now: () => 9 * day });
 * const plan = await stale.plan();
 * assert.deepEqual(plan.removals.map((r) => [r.key, r.detail]), [
 *   ["old", "older than 7 days (created 9 days ago)"],
 * ]);
 * assert.equal(items.size, 2);
 * const report = await stale.run();
 * assert.equal(report.removals[0]?.outcome?.status, "done");
 * assert.deepEqual([...items.keys()], ["new"]);
 * ```
 */
export class StaleManager implements Disposable {
  readonly #source: StaleSource;
  readonly #policy: StalePolicy;
  readonly #isReferenced: (key: string) => boolean;
  readonly #reaper: IdleReaper | undefined;
  readonly #now: () => number;
  readonly #onReport: ((report: StaleReport) => void) | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #schedule: StaleScheduler;
  readonly #accesses = new AccessTimes();
  // Runs go one after another: each waits for this, the end of the last one.
  #lastRun: Promise<void> = Promise.resolve();
  #cancelTimer: (() => void) | undefined;
  #scheduled: AbortController | undefined;
  #ticking = false;

  /**
   * @param options The source, the policy and the collaborators.
   * @throws {SymphonyError} `InvalidInput` when a policy value is invalid (negative, NaN, unknown).
   */
  constructor(options: StaleManagerOptions) {
    const parsed = stalePolicySchema.safeParse(options.policy ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) =>
        issue.path.length === 0 ? issue.message : `${issue.path.join(".")} ${issue.message}`
      );
      throw new SymphonyError(
        "InvalidInput",
        `Cannot apply the retention policy: ${problems.join("; ")}`,
        { cause: parsed.error },
      );
    }
    this.#policy = parsed.data;
    this.#source = options.source;
    this.#isReferenced = options.isReferenced ?? (() => false);
    this.#reaper = options.reaper;
    this.#now = options.now ?? Date.now;
    this.#onReport = options.onReport;
    this.#onError = options.onError ?? ((error) => console.error("Stale Manager:", error));
    this.#schedule = options.schedule ?? everyInterval;
  }

  /**
   * Records an access to an item: the hot path, with no allocation for a key
   * seen before. The later of the recorded time and the source's
   * `lastAccessAt` counts as the last access; an earlier time never moves it back.
   *
   * @param key The item's key.
   * @param at When it was accessed (ms). Default: now.
   * @throws {RangeError} When `at` is not a finite number.
   *
   * @example
   * ```ts
   * import { StaleManager } from "./stale_manager.ts";
   * import assert from "node:assert/strict";
   *
   * const item = { key: "a", name: "a", sizeBytes: 1, createdAt: 0, lastAccessAt: 0, pinned: false };
   * const source = { items: () => [item], archive: () => Promise.resolve(), remove: () => Promise.resolve() };
   * using stale = new StaleManager({ source, policy: { maxIdleMs: 100 }, now: () => 1_000 });
   * assert.equal((await stale.plan()).removals.length, 1);
   * stale.touch("a", 950);
   * assert.equal((await stale.plan()).removals.length, 0);
   * ```
   */
  touch(key: string, at: number = this.#now()): void {
    if (!Number.isFinite(at)) {
      throw new RangeError(`Cannot record an access to "${key}": the time ${at} is not finite`);
    }
    this.#accesses.record(key, at);
  }

  /**
   * Decides what would go, changing nothing: the dry run.
   *
   * @param now The time to plan at (ms). Default: the clock's now.
   * @returns What would go and why, the bytes freed, what was kept, the idle processes.
   * @throws {SymphonyError} `InvalidInput` when the source lists a malformed item or a key twice.
   *
   * @example
   * ```ts
   * import { StaleManager } from "./stale_manager.ts";
   * import assert from "node:assert/strict";
   *
   * const item = (key: string, sizeBytes: number, pinned = false) =>
   *   ({ key, name: key, sizeBytes, createdAt: 0, lastAccessAt: 0, pinned });
   * const source = {
   *   items: () => [item("big", 900, true), item("small", 200)],
   *   archive: () => Promise.resolve(),
   *   remove: () => Promise.resolve(),
   * };
   * using stale = new StaleManager({ source, policy: { maxTotalBytes: 500 } });
   * const plan = await stale.plan(10);
   * assert.deepEqual(plan.removals.map((r) => r.key), ["small"]);
   * assert.equal(plan.bytesFreed, 200);
   * assert.equal(plan.kept.pinned, 1);
   * assert.equal(plan.budget?.shortfallBytes, 400);
   * ```
   */
  async plan(now: number = this.#now()): Promise<StaleReport> {
    return (await this.#plan(now)).report;
  }

  /**
   * Executes the plan: each item is archived first (when `archiveDir` is
   * set), then removed, independently of the others: a failure is reported
   * in its outcome and the rest continue; an item whose archiving failed is
   * not removed. Then the idle processes are reaped. Runs never overlap: a
   * run waits for the one before it.
   *
   * @param options `dryRun` to change nothing; `signal` to stop before the next item.
   * @returns The report, with each removal's and reaping's outcome unless a dry run.
   * @throws {SymphonyError} `InvalidInput` when the source lists a malformed item or a key twice.
   * @throws {DOMException} The signal's reason when it is aborted before the run starts.
   *
   * @example
   * ```ts
   * import { StaleManager } from "./stale_manager.ts";
   * import assert from "node:assert/strict";
   *
   * const calls: string[] = [];
   * const source = {
   *   items: () => [{ key: "a", name: "a", sizeBytes: 5, createdAt: 0, lastAccessAt: 0, pinned: false }],
   *   archive: (key: string, dir: string) => Promise.resolve(void calls.push(`archive ${key} ${dir}`)),
   *   remove: (key: string) => Promise.resolve(void calls.push(`remove ${key}`)),
   * };
   * const policy = { maxAgeMs: 10, archiveDir: "/var/archive" };
   * using stale = new StaleManager({ source, policy, now: () => 100 });
   * assert.equal((await stale.run({ dryRun: true })).removals.length, 1);
   * assert.deepEqual(calls, []);
   * const report = await stale.run();
   * assert.deepEqual(calls, ["archive a /var/archive", "remove a"]);
   * assert.equal(report.bytesFreed, 5);
   * ```
   */
  async run(options: StaleRunOptions = {}): Promise<StaleReport> {
    const { dryRun = false, signal } = options;
    signal?.throwIfAborted();
    const previous = this.#lastRun;
    const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
    this.#lastRun = finished;
    try {
      await previous;
      signal?.throwIfAborted();
      const { report, present } = await this.#plan(this.#now());
      if (dryRun) return report;
      report.dryRun = false;
      report.bytesFreed = 0;
      for (const removal of report.removals) {
        removal.outcome = signal?.aborted ? skipped(signal) : await this.#remove(removal.key);
        if (removal.outcome.status === "done") {
          report.bytesFreed += removal.sizeBytes;
          this.#accesses.forget(removal.key);
        }
      }
      for (const process of report.processes) {
        process.outcome = signal?.aborted ? skipped(signal) : await this.#reap(process.key);
      }
      this.#accesses.forgetAbsent(present, report.at);
      return report;
    } finally {
      finish();
    }
  }

  /**
   * Runs every `intervalMs` on a timer that never keeps the host alive; a
   * tick while a scheduled run is still going is skipped. Each report goes to
   * `onReport`, each error to `onError`. Starting again replaces the schedule.
   *
   * @param intervalMs Time between runs (ms).
   * @throws {RangeError} When `intervalMs` is not a positive finite number.
   *
   * @example
   * ```ts
   * import { StaleManager } from "./stale_manager.ts";
   * import assert from "node:assert/strict";
   *
   * const source = { items: () => [], archive: () => Promise.resolve(), remove: () => Promise.resolve() };
   * // The default timer is unref'd: a host with nothing else to do exits. Keep this one alive.
   * const keepAlive = setTimeout(() => {}, 60_000);
   * const { promise, resolve } = Promise.withResolvers<number>();
   * using stale = new StaleManager({ source, onReport: (report) => resolve(report.removals.length) });
   * stale.start(1);
   * assert.equal(await promise, 0);
   * clearTimeout(keepAlive);
   * ```
   */
  start(intervalMs: number): void {
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new RangeError(
        `Cannot schedule the clean-up: the interval ${intervalMs} is not a positive number of ms`,
      );
    }
    this.stop();
    const controller = new AbortController();
    this.#scheduled = controller;
    this.#cancelTimer = this.#schedule(intervalMs, () => void this.#tick(controller.signal));
  }

  /** Stops the schedule and aborts a scheduled run in progress (before its next item). */
  stop(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#scheduled?.abort();
    this.#scheduled = undefined;
  }

  /** Stops the schedule: {@linkcode StaleManager.stop}. */
  [Symbol.dispose](): void {
    this.stop();
  }

  async #tick(signal: AbortSignal): Promise<void> {
    if (this.#ticking || signal.aborted) return;
    this.#ticking = true;
    try {
      const report = await this.run({ signal });
      this.#onReport?.(report);
    } catch (error) {
      if (!(signal.aborted && error === signal.reason)) this.#report(error);
    } finally {
      this.#ticking = false;
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch (failure) {
      console.error("Stale Manager: onError failed:", failure, "on:", error);
    }
  }

  async #plan(now: number): Promise<{ report: StaleReport; present: Set<string> }> {
    const { removals, kept, bytesFreed, budget, present } = planRemovals({
      items: await this.#source.items(),
      policy: this.#policy,
      now,
      lastAccess: (item) => Math.max(item.lastAccessAt, this.#accesses.get(item.key)),
      isReferenced: this.#isReferenced,
    });
    const report: StaleReport = {
      at: now,
      dryRun: true,
      removals,
      kept,
      bytesFreed,
      processes: this.#idleProcesses(now),
    };
    if (budget !== undefined) report.budget = budget;
    return { report, present };
  }

  #idleProcesses(now: number): StaleProcess[] {
    const limit = this.#policy.processIdleMs;
    if (limit === undefined || this.#reaper === undefined) return [];
    const processes: StaleProcess[] = [];
    for (const { key, idleSinceMs } of this.#reaper.idleInstances()) {
      const idleMs = now - idleSinceMs;
      if (idleMs > limit) {
        processes.push({
          key,
          idleMs,
          detail: `idle for ${formatDuration(idleMs)} (limit ${formatDuration(limit)})`,
        });
      }
    }
    return processes;
  }

  async #remove(key: string): Promise<StaleOutcome> {
    const { archiveDir } = this.#policy;
    if (archiveDir !== undefined) {
      try {
        await this.#source.archive(key, archiveDir);
      } catch (error) {
        return failed(`Cannot archive "${key}" into ${archiveDir}, so it was kept`, error);
      }
    }
    try {
      await this.#source.remove(key);
      return { status: "done" };
    } catch (error) {
      return failed(`Cannot remove "${key}"`, error);
    }
  }

  async #reap(key: string): Promise<StaleOutcome> {
    try {
      await this.#reaper?.reap(key);
      return { status: "done" };
    } catch (error) {
      return failed(`Cannot reap the process "${key}"`, error);
    }
  }
}

function everyInterval(intervalMs: number, tick: () => void): () => void {
  const id = setInterval(tick, intervalMs);
  Deno.unrefTimer(id);
  return () => clearInterval(id);
}

function failed(what: string, error: unknown): StaleOutcome {
  return { status: "failed", error: `${what}: ${error instanceof Error ? error.message : error}` };
}

function skipped(signal: AbortSignal): StaleOutcome {
  const reason: unknown = signal.reason;
  return {
    status: "skipped",
    error: `the run was aborted: ${reason instanceof Error ? reason.message : String(reason)}`,
  };
}
