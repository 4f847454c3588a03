// The mutable side of a DagTracker: each node's state, its unmet dependency
// count, the ready set, the per-state counts, attempts and durations, all in
// typed arrays over the graph's node indices. Transitions here trust their
// caller: DagTracker checks them and names the node in its errors.
import type { DagGraph } from "./_dag_tracker_graph.ts";
import { NODE_STATES, type NodeState } from "./_dag_tracker_schema.ts";

export const PENDING = 0;
export const READY = 1;
export const RUNNING = 2;
export const DONE = 3;
export const FAILED = 4;
export const SKIPPED = 5;

/** A node's stored state. */
export interface NodeRecord {
  node: string;
  state: string;
  durationMs: number | null;
  attempts: number;
}

export function stateName(code: number | undefined): NodeState {
  return NODE_STATES[code ?? PENDING] ?? "pending";
}

export class DagState {
  readonly graph: DagGraph;
  readonly states: Uint8Array;
  /** Dependencies not done yet, per node. */
  readonly remaining: Int32Array;
  /** Nodes per state. */
  readonly counts: Int32Array = new Int32Array(NODE_STATES.length);
  /** Measured durations in ms, NaN where none. */
  readonly durations: Float64Array;
  readonly startedAt: Float64Array;
  readonly attempts: Int32Array;
  // The ready set: #readyList[0..#readyCount) and each member's position in it (-1 if absent).
  readonly #readyList: Int32Array;
  readonly #readyAt: Int32Array;
  #readyCount = 0;
  // The nodes changed since the last checkpoint: #changedList[0..#changedCount), unless #allChanged.
  readonly #changed: Uint8Array;
  readonly #changedList: Int32Array;
  #changedCount = 0;
  #allChanged = true;

  constructor(graph: DagGraph) {
    const n = graph.ids.length;
    this.graph = graph;
    this.states = new Uint8Array(n);
    this.remaining = new Int32Array(n);
    this.durations = new Float64Array(n);
    this.startedAt = new Float64Array(n);
    this.attempts = new Int32Array(n);
    this.#readyList = new Int32Array(n);
    this.#readyAt = new Int32Array(n);
    this.#changed = new Uint8Array(n);
    this.#changedList = new Int32Array(n);
    this.reset();
  }

  /** Nodes pending, ready or running. */
  get unfinished(): number {
    const counts = this.counts;
    return (counts[PENDING] ?? 0) + (counts[READY] ?? 0) + (counts[RUNNING] ?? 0);
  }

  /** The ready nodes, ascending (a copy). */
  readyIndices(): Int32Array {
    return this.#readyList.slice(0, this.#readyCount).sort();
  }

  /** Back to the start: nodes without dependencies ready, the others pending. */
  reset(): void {
    this.#clear();
    const dependencyCounts = this.graph.dependencyCounts;
    for (let i = 0; i < dependencyCounts.length; i++) {
      if (dependencyCounts[i] === 0) this.move(i, READY);
    }
  }

  /** The nodes changed since `forgetChanges`, or undefined when all may have. */
  changes(): Int32Array | undefined {
    return this.#allChanged ? undefined : this.#changedList.subarray(0, this.#changedCount);
  }

  /** Starts recording changes afresh: call once they are checkpointed. */
  forgetChanges(): void {
    for (let k = 0; k < this.#changedCount; k++) this.#changed[this.#changedList[k] ?? 0] = 0;
    this.#changedCount = 0;
    this.#allChanged = false;
  }

  /** Moves node `i` to state `to`, keeping the counts, the ready set and the changes. */
  move(i: number, to: number): void {
    const from = this.states[i] ?? PENDING;
    if (from === to) return;
    this.states[i] = to;
    if (this.#changed[i] === 0) {
      this.#changed[i] = 1;
      this.#changedList[this.#changedCount++] = i;
    }
    const counts = this.counts;
    counts[from] = (counts[from] ?? 0) - 1;
    counts[to] = (counts[to] ?? 0) + 1;
    if (from === READY) {
      const at = this.#readyAt[i] ?? 0;
      const last = this.#readyList[--this.#readyCount] ?? 0;
      this.#readyList[at] = last;
      this.#readyAt[last] = at;
      this.#readyAt[i] = -1;
    } else if (to === READY) {
      this.#readyAt[i] = this.#readyCount;
      this.#readyList[this.#readyCount++] = i;
    }
  }

  /** Marks a ready or running node done; writes the nodes that became ready to `out`, returns how many. */
  complete(index: number, out: Int32Array): number {
    this.move(index, DONE);
    const { offsets, targets } = this.graph;
    const states = this.states;
    const remaining = this.remaining;
    let count = 0;
    for (let e = offsets[index] ?? 0, end = offsets[index + 1] ?? 0; e < end; e++) {
      const t = targets[e] ?? 0;
      const left = (remaining[t] ?? 0) - 1;
      remaining[t] = left;
      if (left === 0 && states[t] === PENDING) {
        this.move(t, READY);
        out[count++] = t;
      }
    }
    return count;
  }

  /** Marks a ready or running node failed and its dependents, transitively, skipped; returns those, nearest first. */
  fail(index: number): number[] {
    this.move(index, FAILED);
    // Breadth first. Whatever depends on a node not done is pending, or skipped already.
    const skipped: number[] = [];
    this.#skipDependents(index, skipped);
    for (let head = 0; head < skipped.length; head++) {
      this.#skipDependents(skipped[head] ?? 0, skipped);
    }
    return skipped;
  }

  /**
   * Replaces the state with stored records (nodes without one are pending,
   * or ready once their dependencies are done).
   *
   * @throws {Error} When a record names an unknown node or state, or puts a
   * node past pending before its dependencies are done.
   */
  load(records: readonly NodeRecord[]): void {
    this.#clear();
    const { indexById, offsets, targets, ids } = this.graph;
    for (const record of records) {
      const i = indexById.get(record.node);
      const state = (NODE_STATES as readonly string[]).indexOf(record.state);
      if (i === undefined || state < 0 || !Number.isInteger(record.attempts)) {
        throw new Error(`unknown node, state or attempts in ${JSON.stringify(record)}`);
      }
      this.move(i, state);
      this.durations[i] = record.durationMs ?? NaN;
      this.attempts[i] = record.attempts;
    }
    for (let u = 0; u < ids.length; u++) {
      if (this.states[u] !== DONE) continue;
      for (let e = offsets[u] ?? 0, end = offsets[u + 1] ?? 0; e < end; e++) {
        const t = targets[e] ?? 0;
        this.remaining[t] = (this.remaining[t] ?? 0) - 1;
      }
    }
    for (let i = 0; i < ids.length; i++) {
      const state = this.states[i] ?? PENDING;
      const unmet = (this.remaining[i] ?? 0) > 0;
      if (unmet && (state === READY || state === RUNNING || state === DONE)) {
        throw new Error(`node ${ids[i]} is ${stateName(state)} before its dependencies are done`);
      }
      if (!unmet && state === PENDING) this.move(i, READY);
    }
  }

  /**
   * After a restart: running nodes started fewer than `maxAttempts` times
   * are ready again, the others fail (0: all fail).
   */
  resume(maxAttempts: number): void {
    for (let i = 0; i < this.states.length; i++) {
      if (this.states[i] !== RUNNING) continue;
      if ((this.attempts[i] ?? 0) < maxAttempts) this.move(i, READY);
      else this.fail(i);
    }
  }

  /**
   * The longest path, each node weighing its measured duration, else its
   * estimate, else `defaultMs`: the forward pass of the critical path method
   * over the topological order. Among equally long paths, the one ending
   * first in that order.
   */
  longestPath(defaultMs: number): { path: number[]; length: number } {
    const { order, offsets, targets, estimates } = this.graph;
    const n = order.length;
    const startAt = new Float64Array(n);
    const via = new Int32Array(n).fill(-1);
    let last = -1;
    let length = 0;
    for (let k = 0; k < n; k++) {
      const u = order[k] ?? 0;
      const measured = this.durations[u] ?? NaN;
      const estimate = estimates[u] ?? NaN;
      const weight = !Number.isNaN(measured)
        ? measured
        : !Number.isNaN(estimate)
        ? estimate
        : defaultMs;
      const finish = (startAt[u] ?? 0) + weight;
      if (last === -1 || finish > length) {
        last = u;
        length = finish;
      }
      for (let e = offsets[u] ?? 0, end = offsets[u + 1] ?? 0; e < end; e++) {
        const t = targets[e] ?? 0;
        if (via[t] === -1 || finish > (startAt[t] ?? 0)) {
          startAt[t] = finish;
          via[t] = u;
        }
      }
    }
    const path: number[] = [];
    for (let u = last; u !== -1; u = via[u] ?? -1) path.push(u);
    return { path: path.reverse(), length };
  }

  #skipDependents(u: number, skipped: number[]): void {
    const { offsets, targets } = this.graph;
    for (let e = offsets[u] ?? 0, end = offsets[u + 1] ?? 0; e < end; e++) {
      const t = targets[e] ?? 0;
      if (this.states[t] !== PENDING) continue;
      this.move(t, SKIPPED);
      skipped.push(t);
    }
  }

  // Every node pending, nothing ready, attempts and durations cleared.
  #clear(): void {
    this.#allChanged = true;
    this.states.fill(PENDING);
    this.remaining.set(this.graph.dependencyCounts);
    this.durations.fill(NaN);
    this.attempts.fill(0);
    this.counts.fill(0);
    this.counts[PENDING] = this.states.length;
    this.#readyAt.fill(-1);
    this.#readyCount = 0;
  }
}
