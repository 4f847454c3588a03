/**
 * The Pool Manager: per-extension pools of instances (processes), checked out
 * for a call and checked in after, within a global budget of processes and
 * resident memory. Idle instances are evicted least recently used first, and
 * extensions called often recently (an exponentially weighted call rate) are
 * started ahead of need.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import { exhausted, PoolEngine } from "./_pool_manager_engine.ts";
import { restoreRates, takeRates } from "./_pool_manager_rates.ts";
import { Lease, type Pool, type Waiter } from "./_pool_manager_records.ts";
import type {
  Checkout,
  CheckoutOptions,
  InstanceInfo,
  PoolConfig,
  PoolManagerOptions,
  PoolStats,
  RateSnapshot,
  WarmReport,
} from "./_pool_manager_types.ts";

export type { InstanceHealth } from "./_pool_manager_records.ts";
export type {
  Checkout,
  CheckoutOptions,
  ExtensionPoolStats,
  InstanceFactory,
  InstanceInfo,
  PoolBudget,
  PoolConfig,
  PoolManagerOptions,
  PoolStats,
  RateSnapshot,
  WarmReport,
} from "./_pool_manager_types.ts";

/**
 * Pools of extension instances. Generic over the instance type: the factory
 * starts and stops them.
 *
 * Policy, in short: a checkout takes the least busy healthy instance with a
 * free slot; else it starts one (below `maxInstances`, within the budget,
 * evicting idle instances of other extensions, least recently used first and
 * those above their `minWarm` before the others); else it waits, FIFO. Busy
 * instances are never evicted. `ensureWarm()` uses only free budget.
 *
 * @example Check out, call, check in
 * ```ts
 * import { PoolManager } from "./pool_manager.ts";
 * import assert from "node:assert/strict";
 *
 * let started = 0;
 * await using pools = new PoolManager<string>({
 *   factory: {
 *     start: (id) => Promise.resolve(`${id}#${++started}`),
 *     stop: () => Promise.resolve(),
 *   },
 *   budget: { maxProcesses: 4 },
 * });
 * pools.configure("acme.echo", { maxConcurrency: 2 });
 * const first = await pools.checkout("acme.echo");
 * assert.equal(first.instance, "acme.echo#1");
 * pools.checkin(first);
 * const again = pools.tryCheckout("acme.echo");
 * assert.equal(again?.instance, "acme.echo#1");
 * if (again !== undefined) pools.checkin(again);
 * assert.equal(started, 1);
 * ```
 */
export class PoolManager<T> implements AsyncDisposable {
  readonly #engine: PoolEngine<T>;
  /** The engine's pools: read on the hot path without a detour. */
  readonly #pools: Map<string, Pool<T>>;
  #seq = 0;

  /**
   * Creates a manager with no pools; `configure()` adds them.
   *
   * @param options The factory, the budget, the clock and the rate settings.
   * @throws {RangeError} When a budget or rate setting is out of range.
   */
  constructor(options: PoolManagerOptions<T>) {
    this.#engine = new PoolEngine(options);
    this.#pools = this.#engine.pools;
  }

  /**
   * Sets the limits of an extension's pool, creating it on first use. A
   * smaller `maxInstances` stops the excess idle instances now and busy ones
   * when checked in; `maxInstances: 0` also rejects the waiting checkouts.
   *
   * @param extensionId The extension.
   * @param config The limits; each field documents its default.
   * @throws {TypeError} When the id is empty.
   * @throws {RangeError} When a limit is not a non-negative integer, `maxConcurrency` is 0,
   *   or `minWarm` exceeds `maxInstances`.
   * @throws {SymphonyError} `Disabled` once closed.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<number>({
   *   factory: { start: () => Promise.resolve(1), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 2 },
   * });
   * pools.configure("acme.echo", { maxInstances: 0 });
   * await assert.rejects(pools.checkout("acme.echo"), { code: "ResourceExhausted" });
   * assert.throws(() => pools.configure("acme.echo", { maxConcurrency: 0 }), RangeError);
   * ```
   */
  configure(extensionId: string, config: PoolConfig = {}): void {
    this.#engine.configure(extensionId, config, this);
  }

  /**
   * Checks out a slot of a warm instance at once, without waiting or starting
   * anything: the hot path of a call. Counts the call in the extension's rate.
   *
   * @param extensionId The extension.
   * @returns The checkout, or undefined when no warm instance has a free slot
   *   (or earlier checkouts wait).
   * @throws {SymphonyError} `NotFound` for an extension never configured; `Disabled` once closed.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 2 },
   * });
   * pools.configure("acme.echo", { minWarm: 1 });
   * assert.equal(pools.tryCheckout("acme.echo"), undefined);
   * await pools.ensureWarm();
   * const checkout = pools.tryCheckout("acme.echo");
   * assert.equal(checkout?.instance, "acme.echo");
   * assert.equal(pools.tryCheckout("acme.echo"), undefined);
   * if (checkout !== undefined) pools.checkin(checkout);
   * ```
   */
  tryCheckout(extensionId: string): Checkout<T> | undefined {
    const pool = this.#pools.get(extensionId);
    if (pool === undefined || this.#engine.closed) {
      throw this.#engine.refusal(extensionId, CHECK_OUT);
    }
    if (pool.waiters.length !== 0) return undefined;
    const record = pool.pick();
    if (record === undefined) return undefined;
    const at = this.#engine.now();
    pool.recordCall(at, this.#engine.decay);
    return record.lease(at);
  }

  /**
   * Checks out a slot: of a warm instance at once, else of an instance it
   * starts (evicting idle ones of other extensions if the budget needs it),
   * else after the checkouts before it, in FIFO order.
   *
   * @param extensionId The extension.
   * @param options An optional signal to give up waiting.
   * @returns The checkout; give it back with `checkin()`.
   * @throws {SymphonyError} `NotFound` for an extension never configured; `ResourceExhausted` when
   *   it allows no instance or one is larger than the whole memory budget; `Timeout` when the
   *   signal aborts; `Disabled` when closed; the start's failure (`Crashed` with the `cause`,
   *   or the factory's own SymphonyError) when the instance started for it fails.
   *
   * @example Give up waiting
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 1 },
   * });
   * pools.configure("acme.echo");
   * const busy = await pools.checkout("acme.echo");
   * const controller = new AbortController();
   * const waiting = pools.checkout("acme.echo", { signal: controller.signal });
   * controller.abort();
   * await assert.rejects(waiting, { code: "Timeout" });
   * pools.checkin(busy);
   * ```
   */
  checkout(extensionId: string, options: CheckoutOptions = {}): Promise<Checkout<T>> {
    const { signal } = options;
    let pool: Pool<T>;
    try {
      pool = this.#engine.pool(extensionId, CHECK_OUT);
    } catch (error) {
      return Promise.reject(error);
    }
    if (pool.maxInstances === 0) return Promise.reject(exhausted(extensionId));
    if (signal?.aborted) return Promise.reject(cancelled(extensionId, signal.reason));
    const at = this.#engine.now();
    pool.recordCall(at, this.#engine.decay);
    const record = pool.waiters.length === 0 ? pool.pick() : undefined;
    if (record !== undefined) return Promise.resolve(record.lease(at));
    return new Promise<Checkout<T>>((resolve, reject) => {
      const waiter: Waiter<T> = { seq: this.#seq++, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const at = pool.waiters.indexOf(waiter);
          if (at === -1) return;
          pool.waiters.splice(at, 1);
          reject(cancelled(extensionId, signal.reason));
          this.#engine.pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      pool.waiters.push(waiter);
      this.#engine.pump();
    });
  }

  /**
   * Gives a slot back: to the oldest waiting checkout if any, else to the
   * pool. An unhealthy or excess instance is stopped once idle.
   *
   * @param checkout What `checkout()` or `tryCheckout()` returned; dead afterwards.
   * @throws {TypeError} When it was checked in already, or is not from this manager.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 1 },
   * });
   * pools.configure("acme.echo");
   * const checkout = await pools.checkout("acme.echo");
   * pools.checkin(checkout);
   * assert.throws(() => pools.checkin(checkout), TypeError);
   * ```
   */
  checkin(checkout: Checkout<T>): void {
    if (!(checkout instanceof Lease) || checkout.record.pool.owner !== this) {
      throw new TypeError("Cannot check in: not a checkout of this pool manager");
    }
    const lease: Lease<T> = checkout;
    if (!lease.active) throw new TypeError("Cannot check in: this checkout was checked in already");
    const record = lease.record;
    const pool = record.pool;
    if (pool.waiters.length !== 0 && record.inFlight <= pool.maxConcurrency && record.inRotation) {
      // Handed over: the slot stays taken, by the oldest waiter now.
      record.lastUsed = this.#engine.now();
      (pool.nextWaiter() as Waiter<T>).resolve(lease);
      return;
    }
    lease.active = false;
    record.inFlight--;
    if (record.gone) return;
    record.free.push(lease);
    if (record.inFlight !== 0) return;
    record.markIdle();
    if (record.health === "unhealthy" || (record.retired && record.health === "healthy")) {
      this.#engine.stop(record);
    } else if (this.#engine.starved) {
      this.#engine.pump();
    }
  }

  /**
   * Takes an instance out of rotation (it answered wrongly, say): no new call
   * goes to it, it is stopped once idle, and a replacement may start.
   *
   * @param extensionId The extension.
   * @param instance The instance.
   * @returns Whether the instance was found.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 2 },
   * });
   * pools.configure("acme.echo");
   * const checkout = await pools.checkout("acme.echo");
   * assert.equal(pools.markUnhealthy("acme.echo", checkout.instance), true);
   * assert.equal(pools.instances("acme.echo")[0]?.health, "unhealthy");
   * pools.checkin(checkout);
   * ```
   */
  markUnhealthy(extensionId: string, instance: T): boolean {
    const record = this.#engine.find(extensionId, instance);
    if (record === undefined) return false;
    if (record.health === "healthy") {
      record.health = "unhealthy";
      if (record.inFlight === 0) this.#engine.stop(record);
      this.#engine.pump();
    }
    return true;
  }

  /**
   * Forgets an instance that is gone (it crashed) without stopping it: its
   * budget is free at once, and its open checkouts are released without effect.
   *
   * @param extensionId The extension.
   * @param instance The instance.
   * @returns Whether the instance was found.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 2 },
   * });
   * pools.configure("acme.echo");
   * const checkout = await pools.checkout("acme.echo");
   * assert.equal(pools.remove("acme.echo", checkout.instance), true);
   * assert.deepEqual(pools.instances("acme.echo"), []);
   * pools.checkin(checkout);
   * ```
   */
  remove(extensionId: string, instance: T): boolean {
    const record = this.#engine.find(extensionId, instance);
    if (record === undefined || !record.pool.drop(record)) return false;
    this.#engine.pump();
    // minWarm is restored; pre-warming by rate waits for the next eviction or
    // ensureWarm(): an instance that just crashed or was stopped is not
    // started again behind its owner's back.
    this.#engine.warmInBackground(false);
    return true;
  }

  /**
   * Lists an extension's instances, for UIs.
   *
   * @param extensionId The extension.
   * @returns One entry per instance, oldest first.
   * @throws {SymphonyError} `NotFound` for an extension never configured; `Disabled` once closed.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 2 },
   *   now: () => 5,
   * });
   * pools.configure("acme.echo");
   * pools.checkin(await pools.checkout("acme.echo"));
   * assert.deepEqual(pools.instances("acme.echo"), [
   *   { instance: "acme.echo", health: "healthy", inFlight: 0, lastUsed: 5, residentBytes: 0 },
   * ]);
   * ```
   */
  instances(extensionId: string): InstanceInfo<T>[] {
    return this.#engine.pool(extensionId, "list the instances of").records.map((record) => ({
      instance: record.instance,
      health: record.health,
      inFlight: record.inFlight,
      lastUsed: record.lastUsed,
      residentBytes: this.#engine.bytesOf(record),
    }));
  }

  /**
   * Counts instances, calls and rates of every pool, for UIs.
   *
   * @returns The totals and, by extension, its counts and call rate (calls per second).
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 2 },
   * });
   * pools.configure("acme.echo");
   * const checkout = await pools.checkout("acme.echo");
   * assert.equal(pools.stats().processes, 1);
   * assert.equal(pools.stats().extensions["acme.echo"]?.busy, 1);
   * pools.checkin(checkout);
   * ```
   */
  stats(): PoolStats {
    return this.#engine.stats();
  }

  /**
   * Starts instances ahead of need, within the free budget (it evicts
   * nothing): up to `minWarm` for each extension, then one for each extension
   * with none whose call rate is at least `prewarmRate`; both by call rate,
   * highest first. Call it at host start, after `importRates()`; it also runs
   * by itself after an instance stops (failures then go to `onError`).
   *
   * @returns What was started and what failed to start.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 4 },
   *   now: () => 1_000,
   * });
   * pools.configure("acme.echo");
   * pools.configure("acme.idle");
   * pools.importRates({ at: 1_000, rates: { "acme.echo": 2 } });
   * assert.deepEqual(await pools.ensureWarm(), { started: ["acme.echo"], failed: [] });
   * ```
   */
  ensureWarm(): Promise<WarmReport> {
    const starts = this.#engine.warm();
    return Promise.all(starts.map(({ done }) => done)).then((errors) => {
      const report: WarmReport = { started: [], failed: [] };
      starts.forEach(({ pool }, i) => {
        const error = errors[i];
        if (error === undefined) report.started.push(pool.id);
        else report.failed.push({ extensionId: pool.id, error });
      });
      return report;
    });
  }

  /**
   * Takes the call rates, to keep them across a restart.
   *
   * @returns The rates (calls per second) as of now, of every extension that has one.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * const options = {
   *   factory: { start: () => Promise.resolve(0), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 1 },
   *   now: () => 0,
   * };
   * await using before = new PoolManager<number>(options);
   * before.configure("acme.echo");
   * before.checkin(await before.checkout("acme.echo"));
   * await using after = new PoolManager<number>(options);
   * after.importRates(JSON.parse(JSON.stringify(before.exportRates())));
   * assert.deepEqual(after.exportRates(), before.exportRates());
   * ```
   */
  exportRates(): RateSnapshot {
    return takeRates(this.#pools, this.#engine.orphanRates, this.#engine.now(), this.#engine.decay);
  }

  /**
   * Restores call rates taken by `exportRates()`, decayed from when they
   * were taken. They replace the rates of the extensions they name, and wait
   * for extensions not configured yet.
   *
   * @param snapshot What `exportRates()` returned (read back from storage, say).
   * @throws {SymphonyError} `InvalidInput` when the snapshot is malformed.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<number>({
   *   factory: { start: () => Promise.resolve(0), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 1 },
   * });
   * assert.throws(() => pools.importRates({ at: 0, rates: { x: -1 } }), { code: "InvalidInput" });
   * ```
   */
  importRates(snapshot: unknown): void {
    restoreRates(this.#pools, this.#engine.orphanRates, snapshot);
  }

  /**
   * Stops every instance (busy ones too) and rejects the waiting checkouts
   * with a `Disabled` SymphonyError; later checkouts are refused likewise.
   *
   * @returns When every start and stop under way has settled.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * let running = 0;
   * const pools = new PoolManager<number>({
   *   factory: { start: () => Promise.resolve(++running), stop: () => Promise.resolve(void running--) },
   *   budget: { maxProcesses: 1 },
   * });
   * pools.configure("acme.echo", { minWarm: 1 });
   * await pools.ensureWarm();
   * await pools.close();
   * assert.equal(running, 0);
   * assert.throws(() => pools.tryCheckout("acme.echo"), { code: "Disabled" });
   * ```
   */
  close(): Promise<void> {
    return this.#engine.close();
  }

  /**
   * Waits until no start or stop is under way: the background pre-warming
   * after an instance stopped, say.
   *
   * @returns When every start and stop under way (and those they led to) has settled.
   *
   * @example
   * ```ts
   * import { PoolManager } from "./pool_manager.ts";
   * import assert from "node:assert/strict";
   *
   * await using pools = new PoolManager<string>({
   *   factory: { start: (id) => Promise.resolve(id), stop: () => Promise.resolve() },
   *   budget: { maxProcesses: 1 },
   * });
   * pools.configure("acme.echo", { minWarm: 1 });
   * await pools.ensureWarm();
   * pools.markUnhealthy("acme.echo", "acme.echo");
   * await pools.settled();
   * assert.equal(pools.stats().extensions["acme.echo"]?.health.healthy, 1);
   * ```
   */
  settled(): Promise<void> {
    return this.#engine.settled();
  }

  /** Same as {@linkcode PoolManager.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#engine.close();
  }
}

const CHECK_OUT = "check out an instance of";

function cancelled(extensionId: string, reason: unknown): SymphonyError {
  return new SymphonyError(
    "Timeout",
    `Cannot check out an instance of ${extensionId}: the wait was cancelled`,
    { cause: reason },
  );
}
