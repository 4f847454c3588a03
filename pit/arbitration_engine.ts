/**
 * The Arbitration Engine: resolves conflicts between extensions over shared
 * resources (`gpu`, `net:api.example.com`, `file:/data/model.bin`) and
 * explains every decision.
 *
 * - A resource has a capacity in units. A `file:` resource (or any resource
 *   defined with kind `read-write`) is claimed in mode `read` (shared: one
 *   unit, up to its capacity of readers) or `write` (exclusive: all of it).
 * - A request claims one or more resources, all or nothing: it holds none of
 *   them while it waits, so requests that name the same resources in any
 *   order never deadlock.
 * - Waiting requests are served by effective priority (priority + 1 for every
 *   full `ageingMs` waited, so nobody starves), then by weighted fair share
 *   between holders (start-time fair queueing: each grant adds 1 / weight to
 *   the holder's virtual time, lowest goes first), then by arrival. A request
 *   is never overtaken on a resource by one ranked below it, and a new request
 *   for a resource someone waits for joins the queue and is ranked like the rest.
 * - A lease ends when released, when its TTL passes ({@linkcode ArbitrationEngine.sweep},
 *   also run lazily when a resource is short), or when its holder crashes or
 *   stops ({@linkcode ArbitrationEngine.releaseHolder}).
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import {
  hasRoom,
  heldResource,
  newResourceState,
  resolveClaims,
  type ResourceState,
} from "./_arbitration_engine_claims.ts";
import { LeaseTable } from "./_arbitration_engine_leases.ts";
import { WaitQueue } from "./_arbitration_engine_queue.ts";
import {
  describe,
  explainGrant,
  explainWait,
  explanation,
  type Waiter,
} from "./_arbitration_engine_rank.ts";
import type {
  AcquireOptions,
  ArbitrationEngineOptions,
  ArbitrationExplanation,
  ArbitrationRequest,
  HeldResource,
  Lease,
  PendingRequest,
  ResourceClaim,
  ResourceOptions,
  ResourceUsage,
} from "./_arbitration_engine_types.ts";

export type {
  AccessMode,
  AcquireOptions,
  AheadOfRequest,
  ArbitrationEngineOptions,
  ArbitrationExplanation,
  ArbitrationRequest,
  HeldResource,
  Lease,
  PendingRequest,
  ResourceClaim,
  ResourceKind,
  ResourceOptions,
  ResourceUsage,
} from "./_arbitration_engine_types.ts";

/**
 * Grants leases on named resources to extensions: at once when a resource
 * has room and nobody waits for it, otherwise in order of effective priority,
 * weighted fair share and arrival. See the module documentation for the rules.
 *
 * @example Two readers share a file; a writer waits for both
 * ```ts
 * import { ArbitrationEngine } from "./arbitration_engine.ts";
 * import assert from "node:assert/strict";
 *
 * const engine = new ArbitrationEngine();
 * engine.defineResource("file:/data/model.bin", { capacity: 8 });
 * const read = { holder: "ext.a", resources: [{ name: "file:/data/model.bin", mode: "read" as const }] };
 * const a = engine.tryAcquire(read);
 * const b = engine.tryAcquire({ ...read, holder: "ext.b" });
 * assert.ok(a && b);
 * const write = engine.acquire({ holder: "ext.c", resources: [{ name: "file:/data/model.bin", mode: "write" }] });
 * engine.release(a);
 * engine.release(b);
 * assert.equal((await write).holder, "ext.c");
 * ```
 */
export class ArbitrationEngine {
  readonly #resources = new Map<string, ResourceState>();
  readonly #leases = new LeaseTable();
  readonly #queue: WaitQueue;
  #nextId = 1;
  readonly #now: () => number;
  readonly #ageingMs: number;
  readonly #defaultTtlMs: number;
  readonly #onDecision: ((explanation: ArbitrationExplanation) => void) | undefined;
  readonly #sampleRate: number;
  readonly #random: () => number;

  /**
   * @param options The clock, ageing, default TTL and decision sampling.
   * @throws {RangeError} When `ageingMs` or `defaultTtlMs` is not positive, or `sampleRate` is outside [0, 1].
   */
  constructor(options: ArbitrationEngineOptions = {}) {
    const { ageingMs = 1000, defaultTtlMs = Infinity, sampleRate = 1 } = options;
    if (!(ageingMs > 0)) throw new RangeError(`ageingMs must be positive, got ${ageingMs}`);
    if (!(defaultTtlMs > 0)) {
      throw new RangeError(`defaultTtlMs must be positive, got ${defaultTtlMs}`);
    }
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new RangeError(`sampleRate must be in [0, 1], got ${sampleRate}`);
    }
    this.#now = options.now ?? Date.now;
    this.#ageingMs = ageingMs;
    this.#defaultTtlMs = defaultTtlMs;
    this.#onDecision = options.onDecision;
    this.#sampleRate = sampleRate;
    this.#random = options.random ?? Math.random;
    this.#queue = new WaitQueue(ageingMs, (waiter, now) => this.#grantWaiting(waiter, now));
  }

  /**
   * Defines a resource.
   *
   * @param name `gpu`, `net:<host>[:port]`, `file:<path>`, or `<word>[:<target>]`, lowercase word.
   * @param options Its capacity and kind.
   * @throws {SymphonyError} `InvalidInput` for a bad name or capacity, or a name already defined.
   */
  defineResource(name: string, options: ResourceOptions): void {
    const state = newResourceState(name, options);
    if (this.#resources.has(name)) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot define resource ${name}: it is already defined`,
      );
    }
    this.#resources.set(name, state);
  }

  /**
   * A resource's capacity and current use.
   *
   * @param name The resource.
   * @returns Its usage.
   * @throws {SymphonyError} `NotFound` when it is not defined.
   */
  usage(name: string): ResourceUsage {
    const state = this.#resources.get(name);
    if (state === undefined) {
      throw new SymphonyError(
        "NotFound",
        `Cannot read the usage of ${name}: no such resource is defined`,
      );
    }
    const { kind, capacity, used, waiting } = state;
    return { name, kind, capacity, used, waiting };
  }

  /**
   * Grants the request now if every resource it names has room and no request
   * waits for any of them; never queues.
   *
   * @param request The holder, resources, priority, weight and TTL.
   * @returns The lease, or `undefined` when it would have to wait.
   * @throws {SymphonyError} `NotFound` for an undefined resource; `InvalidInput` for a bad request.
   */
  tryAcquire(request: ArbitrationRequest): Lease | undefined {
    const states: ResourceState[] = [];
    const needs: number[] = [];
    resolveClaims(this.#resources, request, states, needs);
    if (!hasRoom(states, needs)) {
      if (this.#leases.nextExpiry === Infinity) return undefined;
      const now = this.#now();
      if (now < this.#leases.nextExpiry) return undefined;
      this.sweep(now);
      if (!hasRoom(states, needs)) return undefined;
    }
    return this.#grantNew(request, states, needs);
  }

  /**
   * Grants the request, waiting in line when it cannot be granted now.
   *
   * @param request The holder, resources, priority, weight and TTL.
   * @param options A signal to withdraw the request while it waits.
   * @returns The lease. Rejects as {@linkcode ArbitrationEngine.tryAcquire} throws, with the
   * signal's reason when aborted, and with `Crashed` or `Disabled` when its holder is released.
   *
   * @example Wait for a busy GPU
   * ```ts
   * import { ArbitrationEngine } from "./arbitration_engine.ts";
   * import assert from "node:assert/strict";
   *
   * const engine = new ArbitrationEngine();
   * engine.defineResource("gpu", { capacity: 1 });
   * const first = await engine.acquire({ holder: "ext.a", resources: [{ name: "gpu" }] });
   * const second = engine.acquire({ holder: "ext.b", resources: [{ name: "gpu" }] });
   * assert.equal(engine.pending()[0]?.holder, "ext.b");
   * engine.release(first);
   * assert.equal((await second).holder, "ext.b");
   * ```
   */
  acquire(request: ArbitrationRequest, options: AcquireOptions = {}): Promise<Lease> {
    const { signal } = options;
    const states: ResourceState[] = [];
    const needs: number[] = [];
    try {
      signal?.throwIfAborted();
      resolveClaims(this.#resources, request, states, needs);
    } catch (error) {
      return Promise.reject(error);
    }
    const now = this.#now();
    if (now >= this.#leases.nextExpiry) this.sweep(now);
    if (hasRoom(states, needs)) {
      return Promise.resolve(this.#grantNew(request, states, needs));
    }
    return new Promise((resolve, reject) => {
      const waiter = this.#enqueue(request, states, needs, { now, resolve, reject, signal });
      this.#queue.pump(now);
      if (this.#queue.has(waiter) && this.#sampled()) {
        this.#emit(explainWait(waiter, this.#queue.ranked(now), this.#leases.values(), now));
      }
    });
  }

  /**
   * Ends a lease and serves the requests waiting for what it held.
   *
   * @param lease A lease from this engine.
   * @returns `false`, and nothing happens, when it was already released or expired.
   */
  release(lease: Lease): boolean {
    const active = this.#leases.find(lease);
    if (active === undefined) return false;
    if (this.#leases.free(active)) this.#queue.pump(this.#now());
    return true;
  }

  /**
   * Ends every lease of a holder and rejects its waiting requests: call it
   * when an extension crashes or stops.
   *
   * @param holder The extension id.
   * @param code The code its waiting requests reject with. Default: `Crashed`.
   * @returns How many leases ended.
   *
   * @example A crashed extension's lease goes to the next in line
   * ```ts
   * import { ArbitrationEngine } from "./arbitration_engine.ts";
   * import assert from "node:assert/strict";
   *
   * const engine = new ArbitrationEngine();
   * engine.defineResource("gpu", { capacity: 1 });
   * engine.tryAcquire({ holder: "ext.a", resources: [{ name: "gpu" }] });
   * const next = engine.acquire({ holder: "ext.b", resources: [{ name: "gpu" }] });
   * assert.equal(engine.releaseHolder("ext.a"), 1);
   * assert.equal((await next).holder, "ext.b");
   * ```
   */
  releaseHolder(holder: string, code: "Crashed" | "Disabled" = "Crashed"): number {
    const leases = this.#leases.of(holder);
    for (const active of leases) this.#leases.free(active);
    const why = code === "Crashed" ? "it crashed" : "it was stopped";
    for (const waiter of this.#queue.of(holder)) {
      const error = new SymphonyError(
        code,
        `Cannot acquire ${describe(waiter.resources)} for ${holder}: ${why}`,
      );
      this.#withdraw(waiter, error, why);
    }
    this.#queue.forget(holder);
    this.#queue.pump(this.#now());
    return leases.length;
  }

  /**
   * Ends the leases whose TTL has passed and serves waiting requests in the
   * order of their effective priority now. Run it on the host's tick.
   *
   * @param now The current time. Default: the engine's clock.
   * @returns How many leases expired.
   *
   * @example
   * ```ts
   * import { ArbitrationEngine } from "./arbitration_engine.ts";
   * import assert from "node:assert/strict";
   *
   * let time = 0;
   * const engine = new ArbitrationEngine({ now: () => time });
   * engine.defineResource("gpu", { capacity: 1 });
   * engine.tryAcquire({ holder: "ext.a", resources: [{ name: "gpu" }], ttlMs: 500 });
   * time = 500;
   * assert.equal(engine.sweep(), 1);
   * assert.equal(engine.usage("gpu").used, 0);
   * ```
   */
  sweep(now: number = this.#now()): number {
    const expired = this.#leases.expire(now);
    for (const lease of expired) {
      if (!this.#sampled()) continue;
      const reason = `lease #${lease.id} of ${lease.holder} expired at ${lease.expiresAt}`;
      this.#emit(explanation(lease, "expire", now, { reason, ahead: [] }));
    }
    this.#queue.pump(now);
    return expired.length;
  }

  /**
   * The waiting requests, in the order they would be served now.
   *
   * @param holder Only this holder's requests. Default: all.
   * @returns The requests, first in line first.
   */
  pending(holder?: string): PendingRequest[] {
    const now = this.#now();
    return this.#queue.ranked(now)
      .filter((w) => holder === undefined || w.holder === holder)
      .map((w) => ({
        requestId: w.id,
        holder: w.holder,
        resources: w.resources,
        priority: w.priority,
        effectivePriority: w.rank,
        weight: w.weight,
        waitedMs: now - w.enqueuedAt,
      }));
  }

  /**
   * Why a request waits: who holds what it lacks, and who is ranked ahead.
   *
   * @param requestId A waiting request's id (see {@linkcode ArbitrationEngine.pending}).
   * @returns The explanation, or `undefined` when no such request waits.
   *
   * @example
   * ```ts
   * import { ArbitrationEngine } from "./arbitration_engine.ts";
   * import assert from "node:assert/strict";
   *
   * const engine = new ArbitrationEngine();
   * engine.defineResource("gpu", { capacity: 1 });
   * engine.tryAcquire({ holder: "ext.a", resources: [{ name: "gpu" }] });
   * engine.acquire({ holder: "ext.b", resources: [{ name: "gpu" }] }).catch(() => {});
   * const [waiting] = engine.pending();
   * const why = engine.explain(waiting?.requestId ?? 0);
   * assert.equal(why?.ahead[0]?.holder, "ext.a");
   * engine.releaseHolder("ext.b");
   * ```
   */
  explain(requestId: number): ArbitrationExplanation | undefined {
    const waiter = this.#queue.find(requestId);
    if (waiter === undefined) return undefined;
    const now = this.#now();
    const ranked = this.#queue.ranked(now);
    return explainWait(waiter, ranked, this.#leases.values(), now);
  }

  #grantNew(request: ArbitrationRequest, states: ResourceState[], needs: number[]): Lease {
    const ttlMs = request.ttlMs ?? this.#defaultTtlMs;
    const claims = request.resources;
    const resources: HeldResource[] = [];
    for (let i = 0; i < states.length; i++) {
      resources.push(
        heldResource(states[i] as ResourceState, claims[i] as ResourceClaim, needs[i] as number),
      );
    }
    const sampled = this.#sampled();
    const now = ttlMs === Infinity && !sampled ? 0 : this.#now();
    const lease = this.#record(this.#nextId++, request, resources, states, needs, now + ttlMs);
    if (sampled) {
      const reason = `granted at once: ${describe(resources)} had room and nobody was waiting`;
      this.#emit(explanation(lease, "grant", now, { reason, ahead: [] }));
    }
    return lease;
  }

  #record(
    id: number,
    request: { holder: string; priority?: number },
    resources: HeldResource[],
    states: ResourceState[],
    needs: number[],
    expiresAt: number,
  ): Lease {
    const priority = request.priority ?? 0;
    return this.#leases.add(
      { id, holder: request.holder, resources, priority, expiresAt },
      states,
      needs,
    );
  }

  #enqueue(
    request: ArbitrationRequest,
    states: ResourceState[],
    needs: number[],
    wait: Pick<Waiter, "resolve" | "reject" | "signal"> & { now: number },
  ): Waiter {
    const claims = request.resources;
    const waiter = this.#queue.add({
      id: this.#nextId++,
      holder: request.holder,
      resources: states.map((s, i) =>
        heldResource(s, claims[i] as ResourceClaim, needs[i] as number)
      ),
      states,
      needs,
      priority: request.priority ?? 0,
      weight: request.weight ?? 1,
      ttlMs: request.ttlMs ?? this.#defaultTtlMs,
      enqueuedAt: wait.now,
      resolve: wait.resolve,
      reject: wait.reject,
      signal: wait.signal,
    });
    const { signal } = wait;
    if (signal !== undefined) {
      waiter.onAbort = () => {
        this.#withdraw(waiter, signal.reason, "its wait was aborted");
        this.#queue.pump(this.#now());
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
    }
    return waiter;
  }

  #withdraw(waiter: Waiter, reason: unknown, why: string): void {
    this.#queue.remove(waiter);
    if (this.#sampled()) {
      const text = `request #${waiter.id} of ${waiter.holder} withdrawn: ${why}`;
      this.#emit(explanation(waiter, "cancel", this.#now(), { reason: text, ahead: [] }));
    }
    waiter.reject(reason);
  }

  /** Records the lease of a request the queue has just taken out. */
  #grantWaiting(waiter: Waiter, now: number): void {
    const { resources, states, needs } = waiter;
    const lease = this.#record(waiter.id, waiter, resources, states, needs, now + waiter.ttlMs);
    if (this.#sampled()) this.#emit(explainGrant(waiter, now));
    waiter.resolve(lease);
  }

  #sampled(): boolean {
    return this.#onDecision !== undefined &&
      (this.#sampleRate >= 1 || this.#random() < this.#sampleRate);
  }

  #emit(decision: ArbitrationExplanation): void {
    try {
      this.#onDecision?.(decision);
    } catch (error) {
      reportError(error);
    }
  }
}
