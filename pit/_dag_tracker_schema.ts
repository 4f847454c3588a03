// The DAG Tracker's vocabulary: node states, the workflow definition schema,
// the option and result types, and the checkpoint tables. Re-exported by
// dag_tracker.ts.
import { z } from "zod";

/**
 * The states of a workflow node, in the order the tracker numbers them: a node
 * is `pending` until its dependencies are done, then `ready`, `running` once
 * started, and ends `done`, `failed`, or `skipped` (a dependency failed).
 *
 * @example
 * ```ts
 * import { NODE_STATES } from "./dag_tracker.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(NODE_STATES, ["pending", "ready", "running", "done", "failed", "skipped"]);
 * ```
 */
export const NODE_STATES = ["pending", "ready", "running", "done", "failed", "skipped"] as const;

/** One of {@linkcode NODE_STATES}. */
export type NodeState = typeof NODE_STATES[number];

/**
 * A workflow graph: its nodes, each naming the nodes it depends on. Unknown
 * keys are rejected, so a misspelt `dependsOn` cannot silently drop an edge.
 *
 * @example
 * ```ts
 * import { workflowDefinitionSchema } from "./dag_tracker.ts";
 * import assert from "node:assert/strict";
 *
 * const ok = workflowDefinitionSchema.safeParse({
 *   id: "build",
 *   nodes: [{ id: "fetch", estimateMs: 200 }, { id: "compile", dependsOn: ["fetch"] }],
 * });
 * assert.ok(ok.success);
 * assert.equal(workflowDefinitionSchema.safeParse({ id: "build", nodes: [{ id: "" }] }).success, false);
 * ```
 */
export const workflowDefinitionSchema = z.strictObject({
  /** The workflow's id, unique in the host database. */
  id: z.string().min(1),
  /** The nodes, in the order the tracker reports them. */
  nodes: z.array(z.strictObject({
    /** The node's id, unique in the workflow. */
    id: z.string().min(1),
    /** The ids of the nodes that must be done before this one is ready (default none). */
    dependsOn: z.array(z.string()).optional(),
    /** How long the node is expected to take, in milliseconds, for the critical path. */
    estimateMs: z.number().nonnegative().optional(),
    /**
     * The artifacts the node reads or writes, as `<namespace>/<name>`: the
     * Stale Manager keeps them while the workflow is unfinished.
     */
    artifacts: z.array(z.string().min(1).max(512)).max(256).optional(),
  })),
});

/** A validated workflow definition. */
export type WorkflowDefinition = z.infer<typeof workflowDefinitionSchema>;

/** How a tracker measures and estimates. */
export interface DagTrackerOptions {
  /** The duration of a node with neither a measured duration nor an estimate, in ms (default 0). */
  defaultEstimateMs?: number;
  /** The wall clock in milliseconds, to measure durations and date checkpoints (default `Date.now`). */
  now?: () => number;
}

/** How a node completed. */
export interface CompleteOptions {
  /** How long it took, in ms (default: measured from `start` with the clock, if it was started). */
  durationMs?: number;
}

/** How `DagTracker.restore` treats the nodes that were running when the host stopped. */
export interface DagRestoreOptions extends DagTrackerOptions {
  /** `"retry"` makes them ready again, `"fail"` fails them and skips their dependents (default `"retry"`). */
  running?: "retry" | "fail";
  /** With `"retry"`: a node already started this many times fails instead (default 3). */
  maxAttempts?: number;
}

/** How far a workflow got. */
export interface DagProgress {
  /** Nodes done. */
  done: number;
  /** Nodes in the workflow. */
  total: number;
  /** Nodes in each state. */
  counts: Record<NodeState, number>;
  /** Whether no node is pending, ready or running any more. */
  finished: boolean;
}

/** Where one node is. */
export interface DagNodeStatus {
  id: string;
  state: NodeState;
  /** How many times it was started (kept across restores). */
  attempts: number;
  /** How long it took, when it completed with a duration or after `start`. */
  durationMs: number | undefined;
}

/** The longest chain of dependent nodes, by duration. */
export interface CriticalPath {
  /** Node ids, each depending on the one before. */
  nodes: string[];
  /** The sum of their durations, in ms. */
  totalMs: number;
}
