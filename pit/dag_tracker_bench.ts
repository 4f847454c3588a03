// `complete` on a 100,000-node layered random DAG (fixed seed): the tracker's
// O(out-degree) completeIndex beside a naive tracker that, after marking a
// node done, finds the newly ready nodes by scanning every node's
// dependencies. Each timed call completes one ready node; both walk the graph
// in the same order (first ready, first completed). Target: >= 1,000,000
// completeIndex ops/s.
import { DagTracker, type WorkflowDefinition } from "./dag_tracker.ts";

const LAYERS = 100;
const WIDTH = 1_000;
const N = LAYERS * WIDTH;

// mulberry32: a small seeded generator, so every run benches the same graph.
function random(seed: number): () => number {
  return (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function layeredGraph(): WorkflowDefinition {
  const next = random(42);
  const nodes: WorkflowDefinition["nodes"] = [];
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let k = 0; k < WIDTH; k++) {
      const dependsOn: string[] = [];
      // 1 to 3 dependencies in the layer before.
      const count = layer === 0 ? 0 : 1 + Math.floor(next() * 3);
      for (let d = 0; d < count; d++) {
        dependsOn.push(`n${(layer - 1) * WIDTH + Math.floor(next() * WIDTH)}`);
      }
      nodes.push({ id: `n${layer * WIDTH + k}`, dependsOn });
    }
  }
  return { id: "bench", nodes };
}

const definition = layeredGraph();

// The tracker, walked one complete per call; reset when the walk ends.
const dag = new DagTracker(definition);
const out = new Int32Array(dag.maxOutDegree);
const queue = new Int32Array(N);
let head = 0;
let tail = 0;

function restartWalk(): void {
  dag.reset();
  const ready = dag.readyIndices();
  queue.set(ready);
  head = 0;
  tail = ready.length;
}
restartWalk();

// The naive tracker: dependencies as arrays, no counters, no ready set.
const PENDING = 0;
const READY = 1;
const DONE = 2;
const indexById = new Map(definition.nodes.map((node, i) => [node.id, i]));
const dependencies = definition.nodes.map((node) =>
  Int32Array.from(node.dependsOn ?? [], (id) => indexById.get(id) ?? -1)
);
const naiveStates = new Uint8Array(N);
const naiveQueue = new Int32Array(N);
let naiveHead = 0;
let naiveTail = 0;

function naiveRestart(): void {
  naiveHead = 0;
  naiveTail = 0;
  for (let i = 0; i < N; i++) {
    const ready = dependencies[i]?.length === 0;
    naiveStates[i] = ready ? READY : PENDING;
    if (ready) naiveQueue[naiveTail++] = i;
  }
}
naiveRestart();

// Marks `index` done and returns how many nodes became ready, written to out.
function naiveComplete(index: number, ready: Int32Array): number {
  naiveStates[index] = DONE;
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (naiveStates[i] !== PENDING) continue;
    const deps = dependencies[i] ?? new Int32Array();
    let met = true;
    for (let d = 0; d < deps.length && met; d++) met = naiveStates[deps[d] ?? 0] === DONE;
    if (met) {
      naiveStates[i] = READY;
      ready[count++] = i;
    }
  }
  return count;
}

const naiveOut = new Int32Array(N);
const group = "complete one node of a 100,000-node DAG";

Deno.bench({
  name: "naive: rescan every node's dependencies",
  group,
  baseline: true,
  n: 300,
  warmup: 20,
  fn(): void {
    if (naiveHead === naiveTail) naiveRestart();
    const index = naiveQueue[naiveHead++] ?? 0;
    const count = naiveComplete(index, naiveOut);
    for (let k = 0; k < count; k++) naiveQueue[naiveTail++] = naiveOut[k] ?? 0;
  },
});

Deno.bench({
  name: "DagTracker.completeIndex()",
  group,
  fn(): void {
    if (head === tail) restartWalk();
    const index = queue[head++] ?? 0;
    const count = dag.completeIndex(index, out);
    for (let k = 0; k < count; k++) queue[tail++] = out[k] ?? 0;
  },
});

// The convenience API by id, allocating the list it returns.
const byId = new DagTracker(definition);
let byIdQueue: string[] = byId.ready();
let byIdHead = 0;

Deno.bench({
  name: "DagTracker.complete(id)",
  group,
  fn(): void {
    if (byIdHead === byIdQueue.length) {
      byId.reset();
      byIdQueue = byId.ready();
      byIdHead = 0;
    }
    for (const id of byId.complete(byIdQueue[byIdHead++] ?? "")) byIdQueue.push(id);
  },
});
