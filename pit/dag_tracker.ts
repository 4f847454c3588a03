/**
 * The DAG Tracker: runs the bookkeeping of a workflow graph. It validates the
 * graph (naming a cycle or an unknown node), tracks each node's state, hands
 * out the nodes that became ready as others complete (in O(out-degree)),
 * skips the dependents of a failed node, reports progress and the critical
 * path, and checkpoints to the host database so that a restarted host resumes
 * the workflow.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { SymphonyError } from "../symphony_error.ts";
import { buildGraph, type DagGraph, parseDefinition } from "./_dag_tracker_graph.ts";
import {
  type CompleteOptions,
  type CriticalPath,
  type DagNodeStatus,
  type DagProgress,
  type DagRestoreOptions,
  type DagTrackerOptions,
  type NodeState,
  type WorkflowDefinition,
} from "./_dag_tracker_schema.ts";
import {
  DagState,
  DONE,
  FAILED,
  PENDING,
  READY,
  RUNNING,
  SKIPPED,
  stateName,
} from "./_dag_tracker_state.ts";
import {
  deleteSnapshot,
  readSnapshot,
  unfinishedWorkflows,
  writeSnapshot,
} from "./_dag_tracker_store.ts";

export {
  type CompleteOptions,
  type CriticalPath,
  type DagNodeStatus,
  type DagProgress,
  type DagRestoreOptions,
  type DagTrackerOptions,
  NODE_STATES,
  type NodeState,
  type WorkflowDefinition,
  workflowDefinitionSchema,
} from "./_dag_tracker_schema.ts";

/**
 * The state of one workflow graph. Nodes are named by id, or by index (their
 * position in the definition) on the fast path: `startIndex` and
 * `completeIndex` allocate nothing.
 *
 * @example Run a diamond
 * ```ts
 * import { DagTracker } from "./dag_tracker.ts";
 * import assert from "node:assert/strict";
 *
 * const dag = new DagTracker({
 *   id: "release",
 *   nodes: [
 *     { id: "build" },
 *     { id: "test", dependsOn: ["build"] },
 *     { id: "docs", dependsOn: ["build"] },
 *     { id: "publish", dependsOn: ["test", "docs"] },
 *   ],
 * });
 * assert.deepEqual(dag.ready(), ["build"]);
 * dag.start("build");
 * assert.deepEqual(dag.complete("build"), ["test", "docs"]);
 * assert.deepEqual(dag.complete("test"), []);
 * assert.deepEqual(dag.complete("docs"), ["publish"]);
 * assert.equal(dag.progress().done, 3);
 * ```
 */
export class DagTracker {
  /** The workflow's id. */
  readonly id: string;
  readonly #definition: WorkflowDefinition;
  #definitionJson: string | undefined;
  // Receives the newly ready indices for `complete`, allocated on first use.
  #out: Int32Array | undefined;
  // The id of this tracker's latest checkpoint, if any.
  #checkpointId: string | undefined;
  readonly #graph: DagGraph;
  readonly #state: DagState;
  readonly #now: () => number;
  readonly #defaultEstimateMs: number;

  /**
   * Builds and validates the graph; the nodes without dependencies are ready.
   *
   * @param definition The workflow (validated here too, so it may come from JSON).
   * @param options The clock and the default estimate.
   * @throws {SymphonyError} `InvalidInput` naming the problem: a malformed
   * definition, a node defined twice, an unknown dependency, or a cycle
   * ("a -> b -> a").
   * @throws {RangeError} When `defaultEstimateMs` is negative or not finite.
   */
  constructor(definition: WorkflowDefinition, options: DagTrackerOptions = {}) {
    const parsed = parseDefinition(definition);
    const defaultEstimateMs = options.defaultEstimateMs ?? 0;
    if (!(defaultEstimateMs >= 0 && defaultEstimateMs < Infinity)) {
      throw new RangeError(
        `defaultEstimateMs must be a finite number >= 0, got ${defaultEstimateMs}`,
      );
    }
    this.id = parsed.id;
    this.#definition = parsed;
    this.#graph = buildGraph(parsed);
    this.#state = new DagState(this.#graph);
    this.#now = options.now ?? Date.now;
    this.#defaultEstimateMs = defaultEstimateMs;
  }

  /** How many nodes the workflow has. */
  get size(): number {
    return this.#graph.ids.length;
  }

  /** The most dependents one node has: an `out` of this length fits any `completeIndex`. */
  get maxOutDegree(): number {
    return this.#graph.maxOutDegree;
  }

  /** Whether no node is pending, ready or running any more. */
  get finished(): boolean {
    return this.#state.unfinished === 0;
  }

  /** The workflow's definition, as validated. */
  get definition(): WorkflowDefinition {
    return this.#definition;
  }

  /**
   * Puts every node back to the start, to run the workflow again: ready if
   * it has no dependencies, else pending; attempts and durations cleared.
   */
  reset(): void {
    this.#state.reset();
  }

  /**
   * @param node A node id.
   * @returns Its index: its position in the definition.
   * @throws {SymphonyError} `NotFound` when the workflow has no such node.
   */
  indexOf(node: string): number {
    return this.#index(node, "find");
  }

  /**
   * @param index A node index.
   * @returns The node's id.
   * @throws {RangeError} When `index` is not a node index.
   */
  idAt(index: number): string {
    this.#check(index);
    return this.#graph.ids[index] ?? "";
  }

  /**
   * @param index A node index.
   * @returns The node's state.
   * @throws {RangeError} When `index` is not a node index.
   */
  stateAt(index: number): NodeState {
    this.#check(index);
    return stateName(this.#state.states[index]);
  }

  /**
   * @param node A node id.
   * @returns Its state, attempts and measured duration.
   * @throws {SymphonyError} `NotFound` when the workflow has no such node.
   */
  node(node: string): DagNodeStatus {
    const i = this.#index(node, "inspect");
    const duration = this.#state.durations[i] ?? NaN;
    return {
      id: node,
      state: stateName(this.#state.states[i]),
      attempts: this.#state.attempts[i] ?? 0,
      durationMs: Number.isNaN(duration) ? undefined : duration,
    };
  }

  /** @returns The ids of the ready nodes, in definition order. */
  ready(): string[] {
    return Array.from(this.#state.readyIndices(), (i) => this.#graph.ids[i] ?? "");
  }

  /** @returns The indices of the ready nodes, ascending (a copy). */
  readyIndices(): Int32Array {
    return this.#state.readyIndices();
  }

  /**
   * Marks a ready node running, counting an attempt and noting the time.
   *
   * @param node A node id.
   * @throws {SymphonyError} `NotFound` for an unknown node, `InvalidInput` when it is not ready.
   */
  start(node: string): void {
    this.startIndex(this.#index(node, "start"));
  }

  /**
   * `start` by index.
   *
   * @param index A node index.
   * @throws {SymphonyError} `InvalidInput` when the node is not ready.
   * @throws {RangeError} When `index` is not a node index.
   */
  startIndex(index: number): void {
    this.#check(index);
    const state = this.#state;
    if (state.states[index] !== READY) throw this.#illegal(index, "start", "ready");
    state.move(index, RUNNING);
    state.attempts[index] = (state.attempts[index] ?? 0) + 1;
    state.startedAt[index] = this.#now();
  }

  /**
   * Marks a running (or ready) node done.
   *
   * @param node A node id.
   * @param options Its duration, if not measured from `start`.
   * @returns The ids of the nodes that became ready, in definition order.
   * @throws {SymphonyError} `NotFound` for an unknown node, `InvalidInput`
   * when it is not ready or running.
   * @throws {RangeError} When `durationMs` is negative or not finite.
   */
  complete(node: string, options?: CompleteOptions): string[] {
    const out = this.#out ??= new Int32Array(this.maxOutDegree);
    const count = this.completeIndex(this.#index(node, "complete"), out, options);
    const ids = this.#graph.ids;
    const ready: string[] = [];
    for (let k = 0; k < count; k++) ready.push(ids[out[k] ?? 0] ?? "");
    return ready;
  }

  /**
   * `complete` by index, in O(out-degree) and without allocating: the
   * indices of the nodes that became ready go to `out`.
   *
   * @example
   * ```ts
   * import { DagTracker } from "./dag_tracker.ts";
   * import assert from "node:assert/strict";
   *
   * const dag = new DagTracker({ id: "w", nodes: [{ id: "a" }, { id: "b", dependsOn: ["a"] }] });
   * const out = new Int32Array(dag.maxOutDegree);
   * const count = dag.completeIndex(dag.indexOf("a"), out);
   * assert.deepEqual([...out.subarray(0, count)], [dag.indexOf("b")]);
   * ```
   *
   * @param index A node index.
   * @param out Receives the newly ready indices from position 0, ascending;
   * `maxOutDegree` long always suffices.
   * @param options Its duration, if not measured from `start`.
   * @returns How many nodes became ready.
   * @throws {SymphonyError} `InvalidInput` when the node is not ready or running.
   * @throws {RangeError} When `index` is not a node index, `out` is shorter
   * than the node's dependents, or `durationMs` is negative or not finite.
   */
  completeIndex(index: number, out: Int32Array, options?: CompleteOptions): number {
    this.#check(index);
    const state = this.#state;
    const was = state.states[index];
    if (was !== READY && was !== RUNNING) {
      throw this.#illegal(index, "complete", "ready or running");
    }
    const offsets = this.#graph.offsets;
    const degree = (offsets[index + 1] ?? 0) - (offsets[index] ?? 0);
    if (out.length < degree) {
      throw new RangeError(
        `out holds ${out.length} indices; node ${index} has ${degree} dependents`,
      );
    }
    const durationMs = options?.durationMs;
    if (durationMs !== undefined) {
      if (!(durationMs >= 0 && durationMs < Infinity)) {
        throw new RangeError(`durationMs must be a finite number >= 0, got ${durationMs}`);
      }
      state.durations[index] = durationMs;
    } else if (was === RUNNING) {
      state.durations[index] = this.#now() - (state.startedAt[index] ?? 0);
    }
    return state.complete(index, out);
  }

  /**
   * Marks a ready or running node failed, and every node that depends on it,
   * directly or not, skipped.
   *
   * @example
   * ```ts
   * import { DagTracker } from "./dag_tracker.ts";
   * import assert from "node:assert/strict";
   *
   * const dag = new DagTracker({
   *   id: "w",
   *   nodes: [{ id: "a" }, { id: "b", dependsOn: ["a"] }, { id: "c", dependsOn: ["b"] }, { id: "d" }],
   * });
   * assert.deepEqual(dag.fail("a"), ["b", "c"]);
   * assert.equal(dag.node("d").state, "ready");
   * ```
   *
   * @param node A node id.
   * @returns The ids of the nodes newly skipped, nearest first.
   * @throws {SymphonyError} `NotFound` for an unknown node, `InvalidInput`
   * when it is not ready or running.
   */
  fail(node: string): string[] {
    const index = this.#index(node, "fail");
    const was = this.#state.states[index];
    if (was !== READY && was !== RUNNING) throw this.#illegal(index, "fail", "ready or running");
    return this.#state.fail(index).map((i) => this.#graph.ids[i] ?? "");
  }

  /**
   * @example
   * ```ts
   * import { DagTracker } from "./dag_tracker.ts";
   * import assert from "node:assert/strict";
   *
   * const dag = new DagTracker({ id: "w", nodes: [{ id: "a" }, { id: "b", dependsOn: ["a"] }] });
   * dag.complete("a");
   * const progress = dag.progress();
   * assert.equal(`${progress.done}/${progress.total}`, "1/2");
   * assert.equal(progress.counts.ready, 1);
   * ```
   *
   * @returns How many nodes are done, and in each state (kept as they move: O(1)).
   */
  progress(): DagProgress {
    const c = this.#state.counts;
    return {
      done: c[DONE] ?? 0,
      total: this.size,
      counts: {
        pending: c[PENDING] ?? 0,
        ready: c[READY] ?? 0,
        running: c[RUNNING] ?? 0,
        done: c[DONE] ?? 0,
        failed: c[FAILED] ?? 0,
        skipped: c[SKIPPED] ?? 0,
      },
      finished: this.finished,
    };
  }

  /**
   * The longest chain of dependent nodes, each weighing its measured
   * duration, else its estimate, else the default estimate. O(nodes + edges).
   * Among equally long chains, the one ending first in topological order.
   *
   * @example
   * ```ts
   * import { DagTracker } from "./dag_tracker.ts";
   * import assert from "node:assert/strict";
   *
   * const dag = new DagTracker({
   *   id: "w",
   *   nodes: [
   *     { id: "a", estimateMs: 10 },
   *     { id: "slow", dependsOn: ["a"], estimateMs: 50 },
   *     { id: "fast", dependsOn: ["a"], estimateMs: 5 },
   *     { id: "end", dependsOn: ["slow", "fast"], estimateMs: 1 },
   *   ],
   * });
   * assert.deepEqual(dag.criticalPath(), { nodes: ["a", "slow", "end"], totalMs: 61 });
   * ```
   *
   * @returns The chain's node ids, first to last, and its total duration.
   */
  criticalPath(): CriticalPath {
    const { path, length } = this.#state.longestPath(this.#defaultEstimateMs);
    return { nodes: path.map((u) => this.#graph.ids[u] ?? ""), totalMs: length };
  }

  /**
   * Saves the state to the host database in one transaction, replacing the
   * workflow's previous checkpoint. Writes only the nodes changed since this
   * tracker's last checkpoint when that is still the stored one; else the
   * whole state.
   *
   * @param db The host database, (its migrations include the checkpoint tables).
   */
  checkpoint(db: DatabaseSync): void {
    const state = this.#state;
    const changed = state.changes();
    this.#checkpointId = writeSnapshot(db, {
      workflow: this.id,
      definition: () => (this.#definitionJson ??= JSON.stringify(this.#definition)),
      finished: this.finished,
      updatedAt: new Date(this.#now()).toISOString(),
      ids: this.#graph.ids,
      states: state.states,
      durations: state.durations,
      attempts: state.attempts,
      since: this.#checkpointId === undefined || changed === undefined
        ? undefined
        : { checkpointId: this.#checkpointId, changed },
    });
    state.forgetChanges();
  }

  /**
   * Rebuilds a workflow from its checkpoint, after a host restart: nodes
   * that were running are retried or failed, per `options.running`.
   *
   * @example
   * ```ts
   * import { DagTracker } from "./dag_tracker.ts";
   * import { openHostDatabase } from "../conductor/host_database.ts";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const file = `${dir}/symphony.db`;
   * {
   *   using db = openHostDatabase(file);
   *   const dag = new DagTracker({ id: "w", nodes: [{ id: "a" }, { id: "b", dependsOn: ["a"] }] });
   *   dag.complete("a");
   *   dag.start("b");
   *   dag.checkpoint(db);
   * }
   * using db = openHostDatabase(file);
   * assert.deepEqual(DagTracker.listCheckpointed(db), ["w"]);
   * const dag = DagTracker.restore(db, "w", { running: "retry" });
   * assert.deepEqual(dag.ready(), ["b"]);
   * assert.equal(dag.node("b").attempts, 1);
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @param db The host database.
   * @param workflowId The workflow.
   * @param options The policy for running nodes, the clock and the default estimate.
   * @returns The restored tracker.
   * @throws {SymphonyError} `NotFound` when there is no checkpoint of the
   * workflow, `Internal` when the stored checkpoint is damaged.
   * @throws {RangeError} When `maxAttempts` is not a positive integer.
   */
  static restore(
    db: DatabaseSync,
    workflowId: string,
    options: DagRestoreOptions = {},
  ): DagTracker {
    const { running = "retry", maxAttempts = 3, ...trackerOptions } = options;
    if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
      throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
    }
    const saved = readSnapshot(db, workflowId);
    if (saved === undefined) {
      throw new SymphonyError(
        "NotFound",
        `Cannot restore workflow ${workflowId}: the host database has no checkpoint of it`,
      );
    }
    let tracker: DagTracker;
    try {
      tracker = new DagTracker(JSON.parse(saved.definition), trackerOptions);
      tracker.#state.load(saved.nodes);
      tracker.#checkpointId = saved.checkpointId;
      tracker.#state.forgetChanges();
    } catch (error) {
      throw new SymphonyError(
        "Internal",
        `Cannot restore workflow ${workflowId}: its checkpoint is damaged`,
        { cause: error },
      );
    }
    tracker.#state.resume(running === "retry" ? maxAttempts : 0);
    return tracker;
  }

  /**
   * @param db The host database.
   * @returns The ids of the checkpointed workflows that had not finished,
   * least recently checkpointed first: those a starting host resumes.
   */
  static listCheckpointed(db: DatabaseSync): string[] {
    return unfinishedWorkflows(db);
  }

  /**
   * Deletes a workflow's checkpoint.
   *
   * @param db The host database.
   * @param workflowId The workflow.
   * @returns Whether there was one.
   */
  static removeCheckpoint(db: DatabaseSync, workflowId: string): boolean {
    return deleteSnapshot(db, workflowId);
  }

  #index(node: string, action: string): number {
    const index = this.#graph.indexById.get(node);
    if (index === undefined) {
      throw new SymphonyError(
        "NotFound",
        `Cannot ${action} node ${node}: workflow ${this.id} has no such node`,
      );
    }
    return index;
  }

  #check(index: number): void {
    if ((index >>> 0) !== index || index >= this.size) {
      throw new RangeError(
        `${index} is not a node index of workflow ${this.id} (0 to ${this.size - 1})`,
      );
    }
  }

  #illegal(index: number, action: string, expected: string): SymphonyError {
    const id = this.#graph.ids[index];
    const state = stateName(this.#state.states[index]);
    return new SymphonyError(
      "InvalidInput",
      `Cannot ${action} node ${id} of workflow ${this.id}: it is ${state}, not ${expected}`,
    );
  }
}
