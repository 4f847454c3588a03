// Turns a workflow definition into the dense graph the DAG Tracker runs on:
// node ids mapped to indices 0..n-1, the edges (dependency -> dependent) in
// compressed sparse rows, and a topological order. Names the first problem:
// a duplicate node, an unknown dependency, or a cycle. Iterative throughout,
// so a 100,000-node chain cannot overflow the stack.
import { SymphonyError } from "../symphony_error.ts";
import { type WorkflowDefinition, workflowDefinitionSchema } from "./_dag_tracker_schema.ts";

/** A workflow's graph over dense node indices. */
export interface DagGraph {
  /** Node ids by index, in definition order. */
  ids: readonly string[];
  indexById: ReadonlyMap<string, number>;
  /** The dependents of node `i` are `targets[offsets[i]]` to `targets[offsets[i + 1] - 1]`, ascending. */
  offsets: Int32Array;
  targets: Int32Array;
  /** Distinct dependencies of each node. */
  dependencyCounts: Int32Array;
  /** Estimated durations in milliseconds, NaN where the definition gives none. */
  estimates: Float64Array;
  /** Every node index, each after all of its dependencies. */
  order: Int32Array;
  /** The most dependents any one node has. */
  maxOutDegree: number;
}

// The longest cycle a message spells out in full.
const CYCLE_SHOWN = 10;

/** Validates a definition that may come from JSON, naming its first problem. */
export function parseDefinition(definition: unknown): WorkflowDefinition {
  const parsed = workflowDefinitionSchema.safeParse(definition);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join(".") || "definition";
  const why = `${where}: ${issue?.message ?? "invalid"}`;
  throw new SymphonyError("InvalidInput", `Cannot build workflow: ${why}`, { cause: parsed.error });
}

export function buildGraph(definition: WorkflowDefinition): DagGraph {
  const { nodes } = definition;
  const n = nodes.length;
  const ids: string[] = new Array(n);
  const indexById = new Map<string, number>();
  const estimates = new Float64Array(n);
  let edgeCount = 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i] ?? { id: "" };
    if (indexById.has(node.id)) throw invalid(definition, `node ${node.id} is defined twice`);
    indexById.set(node.id, i);
    ids[i] = node.id;
    estimates[i] = node.estimateMs ?? NaN;
    edgeCount += node.dependsOn?.length ?? 0;
  }

  // Dependencies of node i: dependencies[dependencyOffsets[i]..dependencyOffsets[i + 1]).
  const dependencyOffsets = new Int32Array(n + 1);
  const dependencies = new Int32Array(edgeCount);
  const outDegrees = new Int32Array(n);
  const seenBy = new Int32Array(n).fill(-1);
  let edge = 0;
  for (let i = 0; i < n; i++) {
    dependencyOffsets[i] = edge;
    for (const dependency of nodes[i]?.dependsOn ?? []) {
      const d = indexById.get(dependency);
      if (d === undefined) {
        throw invalid(definition, `node ${ids[i]} depends on unknown node ${dependency}`);
      }
      if (seenBy[d] === i) continue; // Listed twice: one edge.
      seenBy[d] = i;
      dependencies[edge++] = d;
      outDegrees[d] = (outDegrees[d] ?? 0) + 1;
    }
  }
  dependencyOffsets[n] = edge;

  const offsets = new Int32Array(n + 1);
  let maxOutDegree = 0;
  for (let i = 0; i < n; i++) {
    const degree = outDegrees[i] ?? 0;
    offsets[i + 1] = (offsets[i] ?? 0) + degree;
    if (degree > maxOutDegree) maxOutDegree = degree;
  }
  const targets = new Int32Array(edge);
  const cursor = offsets.slice(0, n);
  const dependencyCounts = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const first = dependencyOffsets[i] ?? 0;
    const end = dependencyOffsets[i + 1] ?? 0;
    dependencyCounts[i] = end - first;
    for (let e = first; e < end; e++) {
      const d = dependencies[e] ?? 0;
      const at = cursor[d] ?? 0;
      targets[at] = i;
      cursor[d] = at + 1;
    }
  }

  // Kahn's algorithm: what is left unordered is on a cycle or after one.
  const remaining = dependencyCounts.slice();
  const order = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (remaining[i] === 0) order[tail++] = i;
  for (let head = 0; head < tail; head++) {
    const u = order[head] ?? 0;
    for (let e = offsets[u] ?? 0, end = offsets[u + 1] ?? 0; e < end; e++) {
      const t = targets[e] ?? 0;
      const left = (remaining[t] ?? 0) - 1;
      remaining[t] = left;
      if (left === 0) order[tail++] = t;
    }
  }
  if (tail < n) {
    const cycle = findCycle(remaining, dependencyOffsets, dependencies);
    throw invalid(definition, `its dependencies form a cycle: ${describeCycle(cycle, ids)}`);
  }
  return { ids, indexById, offsets, targets, dependencyCounts, estimates, order, maxOutDegree };
}

// Every unordered node has an unordered dependency, so following those from
// any unordered node must come back to one already seen: that loop is a cycle.
// Returned in dependency order, starting at its earliest-defined node.
function findCycle(
  remaining: Int32Array,
  dependencyOffsets: Int32Array,
  dependencies: Int32Array,
): number[] {
  const stepOf = new Int32Array(remaining.length).fill(-1);
  const path: number[] = [];
  let x = remaining.findIndex((left) => left > 0);
  while (stepOf[x] === -1) {
    stepOf[x] = path.length;
    path.push(x);
    let next = -1;
    for (let e = dependencyOffsets[x] ?? 0, end = dependencyOffsets[x + 1] ?? 0; e < end; e++) {
      const d = dependencies[e] ?? 0;
      if ((remaining[d] ?? 0) > 0) {
        next = d;
        break;
      }
    }
    x = next;
  }
  const cycle = path.slice(stepOf[x]);
  let first = 0;
  for (let k = 1; k < cycle.length; k++) if ((cycle[k] ?? 0) < (cycle[first] ?? 0)) first = k;
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

function describeCycle(cycle: readonly number[], ids: readonly string[]): string {
  const names = cycle.map((i) => ids[i] ?? "");
  const shown = names.length <= CYCLE_SHOWN
    ? names
    : [...names.slice(0, CYCLE_SHOWN - 1), `... (${names.length - CYCLE_SHOWN + 1} more)`];
  return `${[...shown, names[0]].join(" -> ")} (each depends on the next)`;
}

function invalid(definition: WorkflowDefinition, why: string): SymphonyError {
  return new SymphonyError("InvalidInput", `Cannot build workflow ${definition.id}: ${why}`);
}
