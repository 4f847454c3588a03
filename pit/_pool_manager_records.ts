/**
 * The Pool Manager's private records: one pool per extension, one record per
 * instance, and the reusable checkout handles. Kept free of policy: the
 * {@linkcode PoolManager} decides; these only count.
 *
 * @module
 */
import type { SymphonyError } from "../symphony_error.ts";

/** Where an instance is in its life. */
export type InstanceHealth = "starting" | "healthy" | "unhealthy" | "stopping";

/** Orders instances by when they went idle: a counter, far cheaper than a clock. */
let idleTicks = 0;

/** A call waiting for a free slot of a pool, in FIFO order. */
export interface Waiter<T> {
  /** Global arrival order, so that pools are served oldest waiter first. */
  readonly seq: number;
  readonly resolve: (lease: Lease<T>) => void;
  readonly reject: (error: SymphonyError) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The handle of one checkout. Handles are reused once checked in (the hot
 * path allocates nothing), so a handle is dead after `checkin`.
 */
export class Lease<T> {
  readonly extensionId: string;
  readonly instance: T;
  /** The record it leases a slot of. */
  readonly record: InstanceRecord<T>;
  /** Whether it is checked out now. */
  active = false;

  constructor(record: InstanceRecord<T>, instance: T) {
    this.extensionId = record.pool.id;
    this.instance = instance;
    this.record = record;
  }
}

/** One instance (one process) of an extension, and its slots. */
export class InstanceRecord<T> {
  readonly pool: Pool<T>;
  /** Set once the factory has started it. */
  instance: T | undefined = undefined;
  health: InstanceHealth = "starting";
  /** Out of rotation because the pool shrank; stopped when idle. */
  retired = false;
  /** Forgotten (crashed, or stopped): its checkouts are released without effect. */
  gone = false;
  inFlight = 0;
  /** When a call last went to it, or it started (the manager's clock). */
  lastUsed = 0;
  /** When it last went idle, as a tick of a counter: the order of least recently used. */
  idleSince = 0;
  /** Handles given back, reused by the next checkouts. */
  readonly free: Lease<T>[] = [];

  constructor(pool: Pool<T>) {
    this.pool = pool;
  }

  /** Whether calls may go to it: healthy, not retired, not forgotten. */
  get inRotation(): boolean {
    return this.health === "healthy" && !this.retired && !this.gone;
  }

  /** Whether a new call may be given to it now. */
  get usable(): boolean {
    return this.inFlight < this.pool.maxConcurrency && this.inRotation;
  }

  /** Notes that it went idle (or started) just now. */
  markIdle(): void {
    this.idleSince = ++idleTicks;
  }

  /** Takes a slot at `at` (the manager's clock) and returns its handle. */
  lease(at: number): Lease<T> {
    this.lastUsed = at;
    this.inFlight++;
    const lease = this.free.pop() ?? new Lease(this, this.instance as T);
    lease.active = true;
    return lease;
  }
}

/** The instances, waiters, limits and call rate of one extension. */
export class Pool<T> {
  readonly id: string;
  /** The manager it belongs to, so that a foreign checkout is refused. */
  readonly owner: object;
  minWarm = 0;
  maxInstances = 1;
  maxConcurrency = 1;
  readonly records: InstanceRecord<T>[] = [];
  readonly waiters: Waiter<T>[] = [];
  /** The largest resident size seen for one of its instances: the guess for the next one. */
  peakBytes = 0;
  /** The call rate in calls per ms, as of `rateAt`. */
  rate = 0;
  rateAt = 0;

  constructor(id: string, owner: object) {
    this.id = id;
    this.owner = owner;
  }

  /**
   * The instance a call goes to: the least busy usable one (an idle one at
   * once), or undefined when none has a free slot.
   */
  pick(): InstanceRecord<T> | undefined {
    const records = this.records;
    let best: InstanceRecord<T> | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as InstanceRecord<T>;
      if (!record.usable) continue;
      if (record.inFlight === 0) return record;
      if (best === undefined || record.inFlight < best.inFlight) best = record;
    }
    return best;
  }

  /** Instances that count against `maxInstances`: starting, or healthy and not retired. */
  live(): number {
    let count = 0;
    for (const record of this.records) {
      if (record.health === "starting" || (record.health === "healthy" && !record.retired)) count++;
    }
    return count;
  }

  /** Instances still starting. */
  starting(): number {
    let count = 0;
    for (const record of this.records) if (record.health === "starting") count++;
    return count;
  }

  /** The rate decayed to `at`, in calls per ms. */
  rateAtTime(at: number, decayPerMs: number): number {
    const elapsed = at - this.rateAt;
    return elapsed > 0 ? this.rate * Math.exp(-decayPerMs * elapsed) : this.rate;
  }

  /** Counts one call at `at`: O(1), one `Math.exp` at most. */
  recordCall(at: number, decayPerMs: number): void {
    if (at > this.rateAt) {
      this.rate = this.rateAtTime(at, decayPerMs);
      this.rateAt = at;
    }
    // Each call adds the decay constant, so a steady rate of f calls/ms converges to f.
    this.rate += decayPerMs;
  }

  /** Takes the oldest waiter out of the queue and forgets its abort listener. */
  nextWaiter(): Waiter<T> | undefined {
    const waiter = this.waiters.shift();
    if (waiter?.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    return waiter;
  }

  /** Removes a record from the pool; true if it was there. */
  drop(record: InstanceRecord<T>): boolean {
    const at = this.records.indexOf(record);
    if (at === -1) return false;
    this.records.splice(at, 1);
    record.gone = true;
    return true;
  }
}
