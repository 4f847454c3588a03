/**
 * The Pool Manager's engine: the pools, the budget, and the starts and stops
 * that keep waiting checkouts served. `PoolManager` is its public face and
 * keeps the checkout hot path to itself.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import { bytesOf, measureUsage, pickVictim, type Usage } from "./_pool_manager_budget.ts";
import { InstanceRecord, Pool, type Waiter } from "./_pool_manager_records.ts";
import type { OrphanRate } from "./_pool_manager_rates.ts";
import type {
  ExtensionPoolStats,
  InstanceFactory,
  PoolConfig,
  PoolManagerOptions,
  PoolStats,
} from "./_pool_manager_types.ts";

/** A start under way: its pool, and its failure (undefined when it started). */
export interface Start<T> {
  pool: Pool<T>;
  done: Promise<SymphonyError | undefined>;
}

/** Pools, budget, starts and stops. Private to the Pool Manager. */
export class PoolEngine<T> {
  readonly pools = new Map<string, Pool<T>>();
  /** Imported rates of extensions not configured yet. */
  readonly orphanRates = new Map<string, OrphanRate>();
  readonly now: () => number;
  /** ln 2 / half-life: the EWMA decay per ms. */
  readonly decay: number;
  readonly residentBytes: ((instance: T) => number) | undefined;
  /** Whether a pool waits for budget: then an instance going idle may be evicted for it. */
  starved = false;
  closed = false;
  readonly #factory: InstanceFactory<T>;
  readonly #maxProcesses: number;
  readonly #maxBytes: number;
  /** In calls per ms. */
  readonly #prewarmRate: number;
  readonly #onError: (error: SymphonyError) => void;
  /** Starts and stops under way, awaited by `close()`. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: PoolManagerOptions<T>) {
    const { maxProcesses, maxResidentBytes = Infinity } = options.budget;
    const halfLifeMs = options.halfLifeMs ?? 600_000;
    const prewarmRate = options.prewarmRate ?? 1 / 60;
    if (!Number.isInteger(maxProcesses) || maxProcesses < 1) {
      throw new RangeError(`maxProcesses must be an integer >= 1, got ${maxProcesses}`);
    }
    if (!(maxResidentBytes > 0)) {
      throw new RangeError(`maxResidentBytes must be > 0, got ${maxResidentBytes}`);
    }
    if (!(halfLifeMs > 0 && halfLifeMs < Infinity)) {
      throw new RangeError(`halfLifeMs must be a finite number > 0, got ${halfLifeMs}`);
    }
    if (!(prewarmRate >= 0)) throw new RangeError(`prewarmRate must be >= 0, got ${prewarmRate}`);
    this.#factory = options.factory;
    this.residentBytes = options.factory.residentBytes?.bind(options.factory);
    this.#maxProcesses = maxProcesses;
    this.#maxBytes = maxResidentBytes;
    this.now = options.now ?? Date.now;
    this.decay = Math.LN2 / halfLifeMs;
    this.#prewarmRate = prewarmRate / 1000;
    this.#onError = options.onError ?? ((error) => console.error(error));
  }

  /** Creates or changes a pool (see `PoolManager.configure`). */
  configure(extensionId: string, config: PoolConfig, owner: object): void {
    const { minWarm = 0, maxInstances = 1, maxConcurrency = 1 } = config;
    if (typeof extensionId !== "string" || extensionId === "") {
      throw new TypeError("Cannot configure a pool: the extension id is empty");
    }
    for (const [name, value] of [["minWarm", minWarm], ["maxInstances", maxInstances]] as const) {
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
      }
    }
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be an integer >= 1, got ${maxConcurrency}`);
    }
    if (minWarm > maxInstances) {
      throw new RangeError(`minWarm (${minWarm}) must not exceed maxInstances (${maxInstances})`);
    }
    if (this.closed) throw closedError(`configure ${extensionId}`);
    let pool = this.pools.get(extensionId);
    if (pool === undefined) {
      pool = new Pool<T>(extensionId, owner);
      const orphan = this.orphanRates.get(extensionId);
      if (orphan !== undefined) [pool.rate, pool.rateAt] = [orphan.rate, orphan.at];
      this.orphanRates.delete(extensionId);
      this.pools.set(extensionId, pool);
    }
    pool.minWarm = minWarm;
    pool.maxInstances = maxInstances;
    pool.maxConcurrency = maxConcurrency;
    this.shrink(pool);
    if (maxInstances === 0) rejectWaiters(pool, exhausted(extensionId));
    this.pump();
  }

  /** The pool of an extension; `what` completes the error message "Cannot <what> <id>". */
  pool(extensionId: string, what: string): Pool<T> {
    const pool = this.pools.get(extensionId);
    if (pool === undefined || this.closed) throw this.refusal(extensionId, what);
    return pool;
  }

  /** Why there is no pool to use: closed, or never configured. */
  refusal(extensionId: string, what: string): SymphonyError {
    if (this.closed) return closedError(`${what} ${extensionId}`);
    return new SymphonyError(
      "NotFound",
      `Cannot ${what} ${extensionId}: it has no pool (configure it first)`,
    );
  }

  find(extensionId: string, instance: T): InstanceRecord<T> | undefined {
    return this.pools.get(extensionId)?.records.find((record) => record.instance === instance);
  }

  /** Takes the excess instances out of rotation: idle ones stop now, busy and starting ones later. */
  shrink(pool: Pool<T>): void {
    let excess = pool.live() - pool.maxInstances;
    const rank = (r: InstanceRecord<T>): number =>
      r.health === "starting" ? 2 : r.inFlight === 0 ? 0 : 1;
    const candidates = pool.records
      .filter((r) => !r.retired && (r.health === "healthy" || r.health === "starting"))
      .sort((a, b) => rank(a) - rank(b) || a.idleSince - b.idleSince);
    for (const record of candidates) {
      if (excess-- <= 0) break;
      record.retired = true;
      if (record.health === "healthy" && record.inFlight === 0) this.stop(record);
    }
  }

  /** Serves waiters from free slots, then starts instances for the rest, oldest waiter first. */
  pump(): void {
    if (this.closed) return;
    const queued = [...this.pools.values()].filter((pool) => pool.waiters.length !== 0)
      .sort((a, b) => (a.waiters[0]?.seq ?? 0) - (b.waiters[0]?.seq ?? 0));
    let usage: Usage | undefined;
    let starved = false;
    for (const pool of queued) {
      for (let record = pool.pick(); record !== undefined && pool.waiters.length !== 0;) {
        (pool.nextWaiter() as Waiter<T>).resolve(record.lease(this.now()));
        record = pool.pick();
      }
      let deficit = pool.waiters.length - pool.starting() * pool.maxConcurrency;
      for (let live = pool.live(); deficit > 0 && live < pool.maxInstances; live++) {
        usage ??= measureUsage(this.pools.values(), this.residentBytes);
        const room = this.#makeRoom(pool, usage);
        if (room === "never" && live === 0) {
          rejectWaiters(pool, tooLarge(pool.id, pool.peakBytes, this.#maxBytes));
        }
        if (room !== "start") {
          starved ||= room === "wait";
          break;
        }
        this.start(pool, true);
        usage.processes++;
        usage.bytes += pool.peakBytes;
        deficit -= pool.maxConcurrency;
      }
    }
    this.starved = starved;
  }

  /**
   * Starts instances ahead of need in free budget only: up to `minWarm` per
   * pool, then (unless `byRate` is false) one per pool with none whose rate
   * reaches `prewarmRate`; both by call rate, highest first.
   */
  warm(byRate = true): Start<T>[] {
    if (this.closed || this.starved) return [];
    const at = this.now();
    const usage = measureUsage(this.pools.values(), this.residentBytes);
    const ranked = [...this.pools.values()]
      .map((pool) => ({ pool, rate: pool.rateAtTime(at, this.decay) }))
      .sort((a, b) => b.rate - a.rate);
    const starts: Start<T>[] = [];
    const tryStart = (pool: Pool<T>): boolean => {
      if (!this.#fits(usage, pool.peakBytes)) return false;
      starts.push({ pool, done: this.start(pool, false) });
      usage.processes++;
      usage.bytes += pool.peakBytes;
      return true;
    };
    for (const { pool } of ranked) {
      for (let live = pool.live(); live < pool.minWarm && tryStart(pool); live++);
    }
    for (const { pool, rate } of byRate ? ranked : []) {
      if (rate > 0 && rate >= this.#prewarmRate && pool.maxInstances > 0 && pool.live() === 0) {
        tryStart(pool);
      }
    }
    return starts;
  }

  /** `warm(byRate)`, with failures going to `onError`. */
  warmInBackground(byRate = true): void {
    for (const { done } of this.warm(byRate)) {
      done.then((error) => error === undefined || this.#onError(error));
    }
  }

  /** Starts one instance. A failed start for demand rejects the waiters it was for. */
  start(pool: Pool<T>, forDemand: boolean): Promise<SymphonyError | undefined> {
    const record = new InstanceRecord(pool);
    pool.records.push(record);
    const done = Promise.resolve(pool.id).then((id) => {
      if (this.closed) throw closedError(`start an instance of ${id}`);
      return this.#factory.start(id);
    }).then(
      (instance) => {
        record.instance = instance;
        record.lastUsed = this.now();
        record.markIdle();
        record.health = "healthy";
        this.bytesOf(record); // a first measure for the pool's guess
        if (this.closed || record.retired) this.stop(record);
        else this.pump();
        return undefined;
      },
      (error: unknown) => {
        pool.drop(record);
        const failure = asSymphonyError(error, `start an instance of ${pool.id}`);
        if (forDemand) {
          for (let n = pool.maxConcurrency; n > 0 && pool.waiters.length !== 0; n--) {
            (pool.nextWaiter() as Waiter<T>).reject(failure);
          }
        }
        this.pump();
        return failure;
      },
    );
    this.#track(done);
    return done;
  }

  /** Stops a started instance; once stopped, its budget serves waiters, then pre-warming. */
  stop(record: InstanceRecord<T>): void {
    record.health = "stopping";
    this.bytesOf(record); // its last measure, for the guess of the next instance
    const { pool } = record;
    const stopped = Promise.resolve(record.instance as T)
      .then((instance) => this.#factory.stop(pool.id, instance))
      .catch((error: unknown) => {
        this.#onError(asSymphonyError(error, `stop an instance of ${pool.id}`));
      })
      .finally(() => {
        pool.drop(record);
        this.pump();
        this.warmInBackground();
      });
    this.#track(stopped);
  }

  /** Rejects every waiter, stops every instance, and settles when all starts and stops have. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.starved = false;
      for (const pool of this.pools.values()) {
        rejectWaiters(pool, closedError(`check out an instance of ${pool.id}`));
        for (const record of [...pool.records]) {
          if (record.health === "healthy" || record.health === "unhealthy") this.stop(record);
        }
      }
    }
    return this.settled();
  }

  /** Settles when no start or stop is under way (those they lead to included). */
  settled(): Promise<void> {
    return this.#pending.size === 0
      ? Promise.resolve()
      : Promise.allSettled(this.#pending).then(() => this.settled());
  }

  stats(): PoolStats {
    const at = this.now();
    const usage = measureUsage(this.pools.values(), this.residentBytes);
    const extensions: Record<string, ExtensionPoolStats> = {};
    for (const [id, pool] of this.pools) {
      const health = { starting: 0, healthy: 0, unhealthy: 0, stopping: 0 };
      let busy = 0;
      for (const record of pool.records) {
        health[record.health]++;
        if (record.health === "healthy" && record.inFlight > 0) busy++;
      }
      extensions[id] = {
        count: pool.records.length,
        busy,
        idle: health.healthy - busy,
        waiting: pool.waiters.length,
        health,
        callRate: pool.rateAtTime(at, this.decay) * 1000,
      };
    }
    return { processes: usage.processes, residentBytes: usage.bytes, extensions };
  }

  bytesOf(record: InstanceRecord<T>): number {
    return bytesOf(record, this.residentBytes);
  }

  #fits(usage: Usage, bytes: number): boolean {
    return usage.processes < this.#maxProcesses && usage.bytes + bytes <= this.#maxBytes;
  }

  // Whether an instance of `pool` can start now, after evicting idle instances if need be.
  #makeRoom(pool: Pool<T>, usage: Usage): "start" | "wait" | "never" {
    const expected = pool.peakBytes;
    if (expected > this.#maxBytes) return "never";
    for (;;) {
      if (this.#fits(usage, expected)) return "start";
      const afterStops: Usage = {
        processes: usage.processes - usage.freeingProcesses,
        bytes: usage.bytes - usage.freeingBytes,
        freeingProcesses: 0,
        freeingBytes: 0,
      };
      if (this.#fits(afterStops, expected)) {
        // Room is being made already: claim it, so that a later pool does not count on it.
        usage.processes++;
        usage.bytes += expected;
        return "wait";
      }
      const victim = pickVictim(this.pools.values(), pool);
      if (victim === undefined) return "wait";
      usage.freeingProcesses++;
      usage.freeingBytes += this.bytesOf(victim);
      this.stop(victim);
    }
  }

  #track(work: Promise<unknown>): void {
    this.#pending.add(work);
    const forget = (): boolean => this.#pending.delete(work);
    work.then(forget, forget);
  }
}

/** Rejects every waiter of a pool. */
export function rejectWaiters<T>(pool: Pool<T>, error: SymphonyError): void {
  for (let waiter = pool.nextWaiter(); waiter !== undefined; waiter = pool.nextWaiter()) {
    waiter.reject(error);
  }
}

/** The error of a closed manager. */
export function closedError(what: string): SymphonyError {
  return new SymphonyError("Disabled", `Cannot ${what}: the pool manager is closed`);
}

/** The error of a pool that allows no instance. */
export function exhausted(extensionId: string): SymphonyError {
  return new SymphonyError(
    "ResourceExhausted",
    `Cannot check out an instance of ${extensionId}: its pool allows no instance (maxInstances 0)`,
  );
}

function asSymphonyError(error: unknown, what: string): SymphonyError {
  if (error instanceof SymphonyError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new SymphonyError("Crashed", `Cannot ${what}: ${why}`, { cause: error });
}

function tooLarge(extensionId: string, bytes: number, budget: number): SymphonyError {
  return new SymphonyError(
    "ResourceExhausted",
    `Cannot start an instance of ${extensionId}: one uses ${bytes} bytes, more than the whole memory budget of ${budget}`,
  );
}
