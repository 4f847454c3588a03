/**
 * The accesses recorded by `StaleManager.touch()`: a slot per key in one
 * `Float64Array`, so recording an access to a known key allocates nothing.
 *
 * @module
 */

const INITIAL_SLOTS = 1024;

/**
 * The latest recorded access time of each key.
 *
 * @example
 * ```ts
 * import { AccessTimes } from "./_stale_manager_access_times.ts";
 * import assert from "node:assert/strict";
 *
 * const times = new AccessTimes();
 * times.record("a", 20);
 * times.record("a", 10); // earlier: ignored
 * assert.equal(times.get("a"), 20);
 * times.forget("a");
 * assert.equal(times.get("a"), -Infinity);
 * ```
 */
export class AccessTimes {
  readonly #slots = new Map<string, number>();
  #times = new Float64Array(INITIAL_SLOTS);
  readonly #free: number[] = [];
  #next = 0;

  /**
   * Records an access; an earlier time than the one recorded is ignored.
   *
   * @param key The item's key.
   * @param at When (ms), finite.
   */
  record(key: string, at: number): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      this.#add(key, at);
      return;
    }
    const times = this.#times;
    if (at > (times[slot] ?? -Infinity)) times[slot] = at;
  }

  /**
   * @param key The item's key.
   * @returns The latest access recorded, or `-Infinity` when there is none.
   */
  get(key: string): number {
    const slot = this.#slots.get(key);
    return slot === undefined ? -Infinity : this.#times[slot] ?? -Infinity;
  }

  /**
   * Drops the key's record, freeing its slot for another key.
   *
   * @param key The item's key.
   */
  forget(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#free.push(slot);
  }

  /**
   * Drops the records of keys not in `present`, unless recorded after `before`.
   *
   * @param present The keys to keep.
   * @param before Records later than this (ms) are kept too.
   */
  forgetAbsent(present: ReadonlySet<string>, before: number): void {
    for (const [key, slot] of this.#slots) {
      if (!present.has(key) && (this.#times[slot] ?? -Infinity) <= before) this.forget(key);
    }
  }

  #add(key: string, at: number): void {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot === this.#times.length) {
        const grown = new Float64Array(this.#times.length * 2);
        grown.set(this.#times);
        this.#times = grown;
      }
    }
    this.#times[slot] = at;
    this.#slots.set(key, slot);
  }
}
