/**
 * Private to the Arbitration Engine: the queue of waiting requests, the
 * holders' fair-share accounts, and the pass that grants what can be granted.
 *
 * @module
 */
import type { ResourceState } from "./_arbitration_engine_claims.ts";
import { type HolderState, rankWaiters, type Waiter } from "./_arbitration_engine_rank.ts";

/** A request about to wait: a {@linkcode Waiter} before the queue keeps its account. */
export type WaiterInit = Omit<Waiter, "account" | "rank" | "onAbort">;

/**
 * The waiting requests. {@linkcode WaitQueue.pump} grants, best ranked first,
 * every request that fits and whose resources no better-ranked request waits
 * for: a waiting request reserves its resources against those ranked below it,
 * so it is never overtaken, and ageing brings every request to the top.
 */
export class WaitQueue {
  readonly #waiters: Waiter[] = [];
  readonly #accounts = new Map<string, HolderState>();
  readonly #ageingMs: number;
  readonly #grant: (waiter: Waiter, now: number) => void;
  /** The virtual time of the latest grant: where a holder that starts waiting joins. */
  #virtualTime = 0;
  #epoch = 0;
  #pumping = false;
  #repump = false;

  /**
   * @param ageingMs A request gains 1 priority per full `ageingMs` waited.
   * @param grant Records the lease of a request taken out of the queue.
   */
  constructor(ageingMs: number, grant: (waiter: Waiter, now: number) => void) {
    this.#ageingMs = ageingMs;
    this.#grant = grant;
  }

  /** How many requests wait. */
  get size(): number {
    return this.#waiters.length;
  }

  /**
   * Queues a request. A holder that had nothing waiting starts at the current
   * virtual time, so time spent idle earns it no burst of grants.
   *
   * @param init The request.
   * @returns The queued request.
   */
  add(init: WaiterInit): Waiter {
    let account = this.#accounts.get(init.holder);
    if (account === undefined) {
      account = { pass: 0, waiting: 0 };
      this.#accounts.set(init.holder, account);
    }
    if (account.waiting === 0) account.pass = Math.max(account.pass, this.#virtualTime);
    account.waiting++;
    for (const state of init.states) state.waiting++;
    const waiter: Waiter = { ...init, account, rank: init.priority, onAbort: undefined };
    this.#waiters.push(waiter);
    return waiter;
  }

  /**
   * Takes a request out of the queue, granted or not, and stops listening to its signal.
   *
   * @param waiter A queued request.
   */
  remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return;
    this.#waiters.splice(index, 1);
    for (const state of waiter.states) state.waiting--;
    waiter.account.waiting--;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /**
   * @param waiter A request.
   * @returns Whether it still waits.
   */
  has(waiter: Waiter): boolean {
    return this.#waiters.includes(waiter);
  }

  /**
   * @param id A request id.
   * @returns The waiting request with that id, if any.
   */
  find(id: number): Waiter | undefined {
    return this.#waiters.find((w) => w.id === id);
  }

  /**
   * @param holder An extension id.
   * @returns Its waiting requests, in arrival order.
   */
  of(holder: string): Waiter[] {
    return this.#waiters.filter((w) => w.holder === holder);
  }

  /**
   * Forgets a holder's fair-share account; it must have nothing waiting.
   *
   * @param holder An extension id.
   */
  forget(holder: string): void {
    if (this.#accounts.get(holder)?.waiting === 0) this.#accounts.delete(holder);
  }

  /**
   * @param now The current time.
   * @returns The waiting requests in the order they are served, each `rank` set.
   */
  ranked(now: number): Waiter[] {
    return rankWaiters(this.#waiters, now, this.#ageingMs);
  }

  /**
   * Grants waiting requests while any can be granted. Safe to call from the
   * grant callback (it then runs once more at the end).
   *
   * @param now The current time.
   */
  pump(now: number): void {
    if (this.#pumping) {
      this.#repump = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#repump = false;
        while (this.#waiters.length > 0 && this.#grantNext(now));
      } while (this.#repump);
    } finally {
      this.#pumping = false;
    }
  }

  #grantNext(now: number): boolean {
    const epoch = ++this.#epoch;
    for (const waiter of this.ranked(now)) {
      let ready = true;
      for (let i = 0; i < waiter.states.length; i++) {
        const state = waiter.states[i] as ResourceState;
        const need = waiter.needs[i] as number;
        if (state.blockedEpoch === epoch || state.used + need > state.capacity) ready = false;
        state.blockedEpoch = epoch;
      }
      if (!ready) continue;
      this.remove(waiter);
      this.#virtualTime = Math.max(this.#virtualTime, waiter.account.pass);
      waiter.account.pass += 1 / waiter.weight;
      this.#grant(waiter, now);
      return true;
    }
    return false;
  }
}
