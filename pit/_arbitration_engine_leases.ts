/**
 * Private to the Arbitration Engine: the granted leases, the units they hold,
 * and the earliest time one of them expires. Leases live in reusable slots of
 * an array (a free list), so granting and releasing one allocates no map entry.
 *
 * @module
 */
import type { ResourceState } from "./_arbitration_engine_claims.ts";
import type { Active } from "./_arbitration_engine_rank.ts";
import type { HeldResource, Lease } from "./_arbitration_engine_types.ts";

/** A lease as the engine hands it out: it knows its slot, privately. */
class Grant implements Lease {
  readonly id: number;
  readonly holder: string;
  readonly resources: readonly HeldResource[];
  readonly priority: number;
  readonly expiresAt: number;
  readonly #slot: number;

  constructor(fields: Lease, slot: number) {
    this.id = fields.id;
    this.holder = fields.holder;
    this.resources = fields.resources;
    this.priority = fields.priority;
    this.expiresAt = fields.expiresAt;
    this.#slot = slot;
  }

  /** The slot of a lease this module made; -1 for any other object. */
  static slotOf(lease: Lease): number {
    return #slot in lease ? lease.#slot : -1;
  }
}

/** The granted leases. */
export class LeaseTable {
  readonly #slots: (Active | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  #nextExpiry = Infinity;

  /** No lease expires before this time; `Infinity` when none has a TTL. */
  get nextExpiry(): number {
    return this.#nextExpiry;
  }

  /**
   * Grants a lease and takes the units it holds.
   *
   * @param fields The lease's id, holder, resources, priority and expiry.
   * @param states The resources it holds.
   * @param needs The units it takes of each.
   * @returns The lease.
   */
  add(fields: Lease, states: ResourceState[], needs: number[]): Lease {
    for (let i = 0; i < states.length; i++) (states[i] as ResourceState).used += needs[i] as number;
    const slot = this.#freeSlots.pop() ?? this.#slots.length;
    const lease = new Grant(fields, slot);
    this.#slots[slot] = { lease, states, needs };
    if (lease.expiresAt < this.#nextExpiry) this.#nextExpiry = lease.expiresAt;
    return lease;
  }

  /**
   * @param lease A lease, maybe from another engine or already ended.
   * @returns Its record while it is granted here.
   */
  find(lease: Lease): Active | undefined {
    const active = this.#slots[Grant.slotOf(lease)];
    return active?.lease === lease ? active : undefined;
  }

  /**
   * Ends a lease and gives back its units.
   *
   * @param active A granted lease.
   * @returns Whether a request waits for one of the resources it held.
   */
  free(active: Active): boolean {
    const slot = Grant.slotOf(active.lease);
    this.#slots[slot] = undefined;
    this.#freeSlots.push(slot);
    let contended = false;
    for (let i = 0; i < active.states.length; i++) {
      const state = active.states[i] as ResourceState;
      state.used -= active.needs[i] as number;
      if (state.waiting > 0) contended = true;
    }
    return contended;
  }

  /**
   * @param holder An extension id.
   * @returns Its granted leases.
   */
  of(holder: string): Active[] {
    return [...this.values()].filter((a) => a.lease.holder === holder);
  }

  /**
   * Ends the leases whose TTL has passed.
   *
   * @param now The current time.
   * @returns The leases that ended.
   */
  expire(now: number): Lease[] {
    const expired: Lease[] = [];
    if (now < this.#nextExpiry) return expired;
    let next = Infinity;
    for (const active of [...this.values()]) {
      const { expiresAt } = active.lease;
      if (expiresAt > now) {
        next = Math.min(next, expiresAt);
        continue;
      }
      this.free(active);
      expired.push(active.lease);
    }
    this.#nextExpiry = next;
    return expired;
  }

  /** @returns The granted leases, in no particular order. */
  *values(): IterableIterator<Active> {
    for (const active of this.#slots) if (active !== undefined) yield active;
  }
}
