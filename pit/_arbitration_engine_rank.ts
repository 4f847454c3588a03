/**
 * Private to the Arbitration Engine: the order of waiting requests (effective
 * priority with ageing, then weighted fair share, then arrival) and the
 * explanations of decisions.
 *
 * @module
 */
import type {
  AheadOfRequest,
  ArbitrationExplanation,
  HeldResource,
  Lease,
} from "./_arbitration_engine_types.ts";
import type { ResourceState } from "./_arbitration_engine_claims.ts";

/** The fair-share account of one holder (start-time fair queueing). */
export interface HolderState {
  /** Its virtual time: grants so far, each counted 1 / weight. */
  pass: number;
  /** Its queued requests. */
  waiting: number;
}

/** A queued request. */
export interface Waiter {
  readonly id: number;
  readonly holder: string;
  readonly account: HolderState;
  readonly resources: HeldResource[];
  readonly states: ResourceState[];
  readonly needs: number[];
  readonly priority: number;
  readonly weight: number;
  /** `Infinity` when the lease will not expire. */
  readonly ttlMs: number;
  readonly enqueuedAt: number;
  /** Its effective priority at the last ranking. */
  rank: number;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A granted lease with what it holds. */
export interface Active {
  readonly lease: Lease;
  readonly states: ResourceState[];
  readonly needs: number[];
}

/**
 * A request's priority raised by 1 for every full `ageingMs` it has waited.
 *
 * @param waiter The request.
 * @param now The current time.
 * @param ageingMs The ageing period.
 * @returns Its effective priority.
 */
function effectivePriority(waiter: Waiter, now: number, ageingMs: number): number {
  return waiter.priority + Math.floor(Math.max(0, now - waiter.enqueuedAt) / ageingMs);
}

/**
 * The queue in the order requests are served: highest effective priority
 * first; on a tie, the holder furthest behind its weighted fair share (lowest
 * virtual time); then the earlier request. Sets each waiter's `rank`.
 *
 * @param queue The waiting requests, in arrival order.
 * @param now The current time.
 * @param ageingMs The ageing period.
 * @returns A new array, best first.
 */
export function rankWaiters(queue: readonly Waiter[], now: number, ageingMs: number): Waiter[] {
  for (const waiter of queue) waiter.rank = effectivePriority(waiter, now, ageingMs);
  return queue.slice().sort(byRank);
}

function byRank(a: Waiter, b: Waiter): number {
  return b.rank - a.rank || a.account.pass - b.account.pass || a.id - b.id;
}

/**
 * Why a request waits: the leases holding what it lacks, and the requests
 * ranked ahead of it that need one of its resources.
 *
 * @param waiter The request; `ranked` must come from {@linkcode rankWaiters} at `now`.
 * @param ranked The queue, best first.
 * @param active The granted leases.
 * @param now The current time.
 * @returns Its explanation, decision `wait`.
 */
export function explainWait(
  waiter: Waiter,
  ranked: readonly Waiter[],
  active: Iterable<Active>,
  now: number,
): ArbitrationExplanation {
  const ahead: AheadOfRequest[] = [];
  const lacking = waiter.states.filter((s, i) => s.used + (waiter.needs[i] ?? 0) > s.capacity);
  for (const { lease, states } of active) {
    const held = lease.resources.filter((_, i) => lacking.includes(states[i] as ResourceState));
    if (held.length === 0) continue;
    const until = lease.expiresAt === Infinity ? "until released" : `until ${lease.expiresAt}`;
    ahead.push({
      holder: lease.holder,
      id: lease.id,
      state: "holding",
      effectivePriority: lease.priority,
      why: `holds ${describe(held)} ${until}`,
    });
  }
  for (const other of ranked) {
    if (other === waiter) break;
    const shared = other.resources.filter((_, i) =>
      waiter.states.includes(other.states[i] as ResourceState)
    );
    if (shared.length === 0) continue;
    ahead.push({
      holder: other.holder,
      id: other.id,
      state: "waiting",
      effectivePriority: other.rank,
      why: `${whyAhead(other, waiter)}; also needs ${describe(shared)}`,
    });
  }
  const short = lacking.length === 0
    ? "its resources have room but are reserved for a request ranked ahead"
    : `${
      lacking.map((s) => `${s.name} has ${s.capacity - s.used} of ${s.capacity} free`).join(", ")
    }`;
  return explanation(waiter, "wait", now, {
    reason: `waiting ${now - waiter.enqueuedAt} ms at ${standing(waiter)}: ${short}`,
    ahead,
  });
}

/**
 * Why a waiting request was granted.
 *
 * @param waiter The request just granted.
 * @param now The current time.
 * @returns Its explanation, decision `grant`.
 */
export function explainGrant(waiter: Waiter, now: number): ArbitrationExplanation {
  return explanation(waiter, "grant", now, {
    reason: `granted after ${now - waiter.enqueuedAt} ms at ${standing(waiter)}: ` +
      `first in line for ${describe(waiter.resources)}`,
    ahead: [],
  });
}

/**
 * An explanation with the request's identity filled in.
 *
 * @param request The request or lease it concerns.
 * @param decision What was decided.
 * @param at When.
 * @param details The reason and who was ahead.
 * @returns The explanation.
 */
export function explanation(
  request: {
    readonly id: number;
    readonly holder: string;
    readonly resources: readonly HeldResource[];
  },
  decision: ArbitrationExplanation["decision"],
  at: number,
  details: { reason: string; ahead: AheadOfRequest[] },
): ArbitrationExplanation {
  return {
    requestId: request.id,
    holder: request.holder,
    decision,
    resources: request.resources,
    reason: details.reason,
    ahead: details.ahead,
    at,
  };
}

/**
 * Resources as a reader says them: `gpu, 2 × net:api.example.com, file:/a (read)`.
 *
 * @param resources What is claimed or held.
 * @returns The list, comma-separated.
 */
export function describe(resources: readonly HeldResource[]): string {
  return resources.map((r) =>
    r.mode !== undefined ? `${r.name} (${r.mode})` : r.units > 1 ? `${r.units} × ${r.name}` : r.name
  ).join(", ");
}

function standing(waiter: Waiter): string {
  const ageing = waiter.rank - waiter.priority;
  return `effective priority ${waiter.rank} (priority ${waiter.priority} + ${ageing} for ageing)`;
}

function whyAhead(other: Waiter, waiter: Waiter): string {
  if (other.rank > waiter.rank) {
    return `higher effective priority ${other.rank} (priority ${other.priority} + ` +
      `${other.rank - other.priority} for ageing) > ${waiter.rank}`;
  }
  if (other.account.pass < waiter.account.pass) {
    return `same effective priority ${other.rank}, further behind its fair share: virtual time ` +
      `${round(other.account.pass)} < ${round(waiter.account.pass)} ` +
      `(weight ${other.weight} vs ${waiter.weight})`;
  }
  return `same effective priority and fair share, asked earlier (#${other.id} before #${waiter.id})`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
