/**
 * Private to the Arbitration Engine: the checks on resource names, resource
 * definitions and requests, and the units a claim takes.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import type {
  ArbitrationRequest,
  HeldResource,
  ResourceClaim,
  ResourceKind,
  ResourceOptions,
} from "./_arbitration_engine_types.ts";

/** One defined resource and its current use. */
export interface ResourceState {
  readonly name: string;
  readonly kind: ResourceKind;
  readonly capacity: number;
  /** Units held by leases; a `write` claim on a read-write resource holds all of them. */
  used: number;
  /** Queued requests that name this resource. */
  waiting: number;
  /** The scheduling pass that reserved it for a higher-ranked request. */
  blockedEpoch: number;
}

// `gpu`, `db.main`, `net:api.example.com`, `net:api.example.com:443`, `file:/data/x y.txt`.
const PLAIN_NAME = /^[a-z][a-z0-9._-]*(?::\P{Cc}+)?$/u;
const NET_HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

/**
 * Checks a resource definition and builds its state.
 *
 * @param name `gpu`, `net:<host>`, `file:<path>`, or `<word>:<anything>`.
 * @param options Its capacity and kind.
 * @returns The resource's state, unused.
 * @throws {SymphonyError} `InvalidInput` for a bad name, capacity or kind.
 */
export function newResourceState(name: string, options: ResourceOptions): ResourceState {
  const fail = (why: string): never => {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot define resource ${JSON.stringify(name)}: ${why}`,
    );
  };
  if (typeof name !== "string" || !PLAIN_NAME.test(name)) {
    fail("a name is a lowercase word, optionally followed by `:` and a target (gpu, net:<host>)");
  }
  if (name.startsWith("net:") && !NET_HOST.test(name.slice(4))) {
    fail("a net: resource names a host name, optionally with a port");
  }
  const { capacity } = options;
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    fail(`its capacity must be a positive integer, got ${String(capacity)}`);
  }
  const kind = options.kind ?? (name.startsWith("file:") ? "read-write" : "counted");
  if (kind !== "counted" && kind !== "read-write") {
    fail(`its kind must be "counted" or "read-write", got ${JSON.stringify(kind)}`);
  }
  return { name, kind, capacity, used: 0, waiting: 0, blockedEpoch: 0 };
}

/**
 * The units a claim takes: `units` (default 1) of a counted resource; 1 for a
 * shared `read` of a read-write resource; all of it for an exclusive `write`.
 *
 * @param state The claimed resource.
 * @param claim The claim, already known to name `state`.
 * @param holder Who asks, for the message.
 * @returns The units it takes.
 * @throws {SymphonyError} `InvalidInput` for a mode or units that do not fit the resource.
 */
function claimNeed(state: ResourceState, claim: ResourceClaim, holder: string): number {
  const { mode, units } = claim;
  if (state.kind === "counted") {
    if (mode !== undefined) {
      throw invalidClaim(state.name, holder, "a counted resource takes no read/write mode");
    }
    if (units === undefined) return 1;
    if (!Number.isSafeInteger(units) || units < 1) {
      throw invalidClaim(state.name, holder, `units must be a positive integer, got ${units}`);
    }
    if (units > state.capacity) {
      throw invalidClaim(
        state.name,
        holder,
        `${units} units requested but its capacity is ${state.capacity}`,
      );
    }
    return units;
  }
  if (units !== undefined && units !== 1) {
    throw invalidClaim(state.name, holder, "a read-write resource is claimed one unit at a time");
  }
  if (mode === "read") return 1;
  if (mode === undefined || mode === "write") return state.capacity;
  throw invalidClaim(state.name, holder, `mode must be "read" or "write", got ${String(mode)}`);
}

/**
 * Checks the fields of a request other than its claims.
 *
 * @param request The request.
 * @throws {SymphonyError} `InvalidInput` for a missing holder, no resources, or a bad priority, weight or TTL.
 */
function checkRequest(request: ArbitrationRequest): void {
  const { holder, resources, priority, weight, ttlMs } = request;
  if (typeof holder !== "string" || holder === "") {
    throw invalidRequest("the holder must be a non-empty extension id");
  }
  if (!Array.isArray(resources) || resources.length === 0) {
    throw invalidRequest(`${holder} named no resources`);
  }
  if (priority !== undefined && !Number.isFinite(priority)) {
    throw invalidRequest(`priority must be a finite number, got ${priority}`);
  }
  if (weight !== undefined && !(Number.isFinite(weight) && weight > 0)) {
    throw invalidRequest(`weight must be a positive number, got ${weight}`);
  }
  if (ttlMs !== undefined && !(ttlMs > 0)) {
    throw invalidRequest(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
}

/**
 * Throws when a request names one resource twice.
 *
 * @param claims The request's claims, two or more.
 * @param holder Who asks, for the message.
 * @throws {SymphonyError} `InvalidInput` naming the repeated resource.
 */
function checkDistinct(claims: readonly ResourceClaim[], holder: string): void {
  for (let i = 1; i < claims.length; i++) {
    const name = claims[i]?.name;
    for (let j = 0; j < i; j++) {
      if (claims[j]?.name === name) {
        throw invalidClaim(String(name), holder, "the request names it twice");
      }
    }
  }
}

/**
 * The error for a claim on a resource that is not defined.
 *
 * @param name The claimed name.
 * @param holder Who asks.
 * @returns A `NotFound` error.
 */
function unknownResource(name: unknown, holder: string): SymphonyError {
  return new SymphonyError(
    "NotFound",
    `Cannot acquire ${JSON.stringify(name)} for ${holder}: no such resource is defined`,
  );
}

function invalidClaim(name: string, holder: string, why: string): SymphonyError {
  return new SymphonyError("InvalidInput", `Cannot acquire ${name} for ${holder}: ${why}`);
}

function invalidRequest(why: string): SymphonyError {
  return new SymphonyError("InvalidInput", `Cannot acquire resources: ${why}`);
}

/**
 * A claim as its lease reports it.
 *
 * @param state The claimed resource.
 * @param claim The claim.
 * @param need The units it takes.
 * @returns `{ name, units }` for a counted resource, `{ name, mode, units: 1 }` for a read-write one.
 */
export function heldResource(
  state: ResourceState,
  claim: ResourceClaim,
  need: number,
): HeldResource {
  if (state.kind === "counted") return { name: state.name, units: need };
  return { name: state.name, mode: claim.mode ?? "write", units: 1 };
}

/**
 * Checks a request and looks up the resources it claims.
 *
 * @param defined The defined resources by name.
 * @param request The request.
 * @param states Receives each claimed resource.
 * @param needs Receives the units each claim takes.
 * @throws {SymphonyError} `NotFound` for an undefined resource; `InvalidInput` for a bad request.
 */
export function resolveClaims(
  defined: ReadonlyMap<string, ResourceState>,
  request: ArbitrationRequest,
  states: ResourceState[],
  needs: number[],
): void {
  checkRequest(request);
  const { holder, resources } = request;
  if (resources.length > 1) checkDistinct(resources, holder);
  for (const claim of resources) {
    const state = typeof claim === "object" && claim !== null ? defined.get(claim.name) : undefined;
    if (state === undefined) throw unknownResource(claim?.name, holder);
    needs.push(claimNeed(state, claim, holder));
    states.push(state);
  }
}

/**
 * Whether a new request can be granted now: every resource has room and no
 * request waits for it.
 *
 * @param states The claimed resources.
 * @param needs The units each claim takes.
 * @returns `true` when it can.
 */
export function hasRoom(states: readonly ResourceState[], needs: readonly number[]): boolean {
  for (let i = 0; i < states.length; i++) {
    const state = states[i] as ResourceState;
    if (state.waiting > 0 || state.used + (needs[i] as number) > state.capacity) return false;
  }
  return true;
}
