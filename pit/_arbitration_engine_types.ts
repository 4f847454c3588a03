/**
 * Private to the Arbitration Engine: its public types, re-exported by
 * `arbitration_engine.ts`.
 *
 * @module
 */
/** `counted`: units; `read-write`: shared reads, exclusive writes. */
export type ResourceKind = "counted" | "read-write";

/** How a read-write resource is claimed. */
export type AccessMode = "read" | "write";

/** A resource's definition. */
export interface ResourceOptions {
  /** Units of a counted resource; most simultaneous readers of a read-write one. */
  capacity: number;
  /** Default: `read-write` for a `file:` name, `counted` otherwise. */
  kind?: ResourceKind;
}

/** One resource a request claims. */
export interface ResourceClaim {
  name: string;
  /** Read-write resources only. Default: `write` (exclusive). */
  mode?: AccessMode;
  /** Counted resources only. Default: 1. */
  units?: number;
}

/** A request for resources, all of them at once. */
export interface ArbitrationRequest {
  /** The extension id that will hold the lease. */
  holder: string;
  resources: readonly ResourceClaim[];
  /** Higher is served first. Default: 0. */
  priority?: number;
  /** The holder's share against other holders of the same effective priority. Default: 1. */
  weight?: number;
  /** The lease ends this long after its grant. Default: the engine's `defaultTtlMs`. */
  ttlMs?: number;
}

/** Options of {@linkcode ArbitrationEngine.acquire}. */
export interface AcquireOptions {
  /** Withdraws the request while it waits; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A resource as a lease holds it. */
export interface HeldResource {
  readonly name: string;
  /** Set for read-write resources. */
  readonly mode?: AccessMode;
  /** Units of a counted resource; 1 for a read-write one. */
  readonly units: number;
}

/** A grant of resources. Its id is the id of the request it answers. */
export interface Lease {
  readonly id: number;
  readonly holder: string;
  readonly resources: readonly HeldResource[];
  readonly priority: number;
  /** When the lease ends unless released before (engine clock); `Infinity` for never. */
  readonly expiresAt: number;
}

/** A lease or request ranked ahead of the one explained. */
export interface AheadOfRequest {
  readonly holder: string;
  /** A lease id when `holding`, a request id when `waiting`. */
  readonly id: number;
  readonly state: "holding" | "waiting";
  /** A lease's priority, or a waiting request's priority with ageing. */
  readonly effectivePriority: number;
  readonly why: string;
}

/** Why a request was granted, made to wait, withdrawn, or its lease expired. */
export interface ArbitrationExplanation {
  readonly requestId: number;
  readonly holder: string;
  readonly decision: "grant" | "wait" | "expire" | "cancel";
  readonly resources: readonly HeldResource[];
  readonly reason: string;
  /** Who was ahead and why; empty unless `wait`. */
  readonly ahead: readonly AheadOfRequest[];
  /** When (engine clock). */
  readonly at: number;
}

/** A waiting request, as {@linkcode ArbitrationEngine.pending} lists it. */
export interface PendingRequest {
  readonly requestId: number;
  readonly holder: string;
  readonly resources: readonly HeldResource[];
  readonly priority: number;
  readonly effectivePriority: number;
  readonly weight: number;
  readonly waitedMs: number;
}

/** A resource's definition and current use. */
export interface ResourceUsage {
  readonly name: string;
  readonly kind: ResourceKind;
  readonly capacity: number;
  /** Units held; a write holds all of them. */
  readonly used: number;
  /** Queued requests that name it. */
  readonly waiting: number;
}

/** Options of {@linkcode ArbitrationEngine}. */
export interface ArbitrationEngineOptions {
  /** The clock, in milliseconds. Default: `Date.now`. */
  now?: () => number;
  /** A waiting request gains 1 priority per full `ageingMs` waited (> 0). Default: 1000. */
  ageingMs?: number;
  /** The TTL of leases whose request sets none (> 0). Default: `Infinity`. */
  defaultTtlMs?: number;
  /** Receives sampled decisions, for the audit trail. It should not throw: a throw is passed to `reportError`. */
  onDecision?: (explanation: ArbitrationExplanation) => void;
  /** The probability, in [0, 1], that a decision is passed to `onDecision`. Default: 1. */
  sampleRate?: number;
  /** Random numbers in [0, 1) for sampling. Default: `Math.random`. */
  random?: () => number;
}
