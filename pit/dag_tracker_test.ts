import assert from "node:assert/strict";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { openHostDatabase } from "../conductor/host_database.ts";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { DagTracker, type WorkflowDefinition } from "./dag_tracker.ts";

function openDb(file: string): DatabaseSync {
  return openHostDatabase(file);
}

// build <- test, docs <- publish
const DIAMOND: WorkflowDefinition = {
  id: "release",
  nodes: [
    { id: "build", estimateMs: 10 },
    { id: "test", dependsOn: ["build"], estimateMs: 30 },
    { id: "docs", dependsOn: ["build"], estimateMs: 20 },
    { id: "publish", dependsOn: ["test", "docs"], estimateMs: 5 },
  ],
};

function chain(n: number): WorkflowDefinition {
  return {
    id: "chain",
    nodes: Array.from({ length: n }, (_, i) =>
      i === 0 ? { id: "n0" } : {
        id: `n${i}`,
        dependsOn: [`n${i - 1}`],
        estimateMs: 1,
      }),
  };
}

function rejects(definition: unknown, pattern: RegExp): void {
  assert.throws(
    () => new DagTracker(definition as WorkflowDefinition),
    (error: unknown) =>
      error instanceof SymphonyError && error.code === "InvalidInput" &&
      pattern.test(error.message),
  );
}

Deno.test("new DagTracker() rejects a bad graph, naming the problem", async (t) => {
  const cases: { name: string; nodes: unknown; pattern: RegExp }[] = [
    {
      name: "a node defined twice",
      nodes: [{ id: "a" }, { id: "a" }],
      pattern: /^Cannot build workflow w: node a is defined twice$/,
    },
    {
      name: "an unknown dependency",
      nodes: [{ id: "a" }, { id: "b", dependsOn: ["a", "x"] }],
      pattern: /^Cannot build workflow w: node b depends on unknown node x$/,
    },
    {
      name: "a cycle, in order from its first node",
      nodes: [
        { id: "root" },
        { id: "a", dependsOn: ["root", "c"] },
        { id: "b", dependsOn: ["a"] },
        { id: "c", dependsOn: ["b"] },
        { id: "after", dependsOn: ["c"] },
      ],
      pattern: /: its dependencies form a cycle: a -> c -> b -> a \(each depends on the next\)$/,
    },
    {
      name: "a node depending on itself",
      nodes: [{ id: "a", dependsOn: ["a"] }],
      pattern: /cycle: a -> a /,
    },
    {
      name: "a misspelt key, which would drop an edge",
      nodes: [{ id: "a" }, { id: "b", depends_on: ["a"] }],
      pattern: /^Cannot build workflow: nodes\.1: Unrecognized key: "depends_on"$/,
    },
    {
      name: "an empty node id",
      nodes: [{ id: "" }],
      pattern: /^Cannot build workflow: nodes\.0\.id: /,
    },
    {
      name: "a negative estimate",
      nodes: [{ id: "a", estimateMs: -1 }],
      pattern: /nodes\.0\.estimateMs: /,
    },
  ];
  for (const { name, nodes, pattern } of cases) {
    await t.step(name, () => rejects({ id: "w", nodes }, pattern));
  }
  await t.step("no workflow id", () => rejects({ nodes: [] }, /^Cannot build workflow: id: /));
});

Deno.test("new DagTracker() names a 100,000-node cycle without overflowing the stack", () => {
  const nodes = chain(100_000).nodes;
  nodes[0] = { id: "n0", dependsOn: ["n99999"] };
  rejects(
    { id: "ring", nodes },
    /cycle: n0 -> n99999 -> n99998 -> .* -> n99992 -> \.\.\. \(99991 more\) -> n0 \(/,
  );
});

Deno.test("new DagTracker() makes ready exactly the nodes without dependencies", () => {
  const dag = new DagTracker({
    id: "w",
    nodes: [{ id: "x", dependsOn: ["z"] }, { id: "y" }, { id: "z" }],
  });
  assert.deepEqual(dag.ready(), ["y", "z"]);
  assert.deepEqual([...dag.readyIndices()], [1, 2]);
  assert.equal(dag.node("x").state, "pending");
  assert.equal(new DagTracker({ id: "empty", nodes: [] }).finished, true);
});

Deno.test("dagTracker.complete() returns exactly the nodes that became ready", () => {
  const dag = new DagTracker(DIAMOND);
  dag.start("build");
  assert.deepEqual(dag.complete("build"), ["test", "docs"]);
  assert.deepEqual(dag.ready(), ["test", "docs"]);
  assert.deepEqual(dag.complete("docs"), [], "publish still waits for test");
  assert.equal(dag.node("publish").state, "pending");
  assert.deepEqual(dag.complete("test"), ["publish"]);
  assert.deepEqual(dag.complete("publish"), []);
  assert.equal(dag.finished, true);
});

Deno.test("dagTracker.complete() counts a dependency listed twice once", () => {
  const dag = new DagTracker({ id: "w", nodes: [{ id: "a" }, { id: "b", dependsOn: ["a", "a"] }] });
  assert.deepEqual(dag.complete("a"), ["b"]);
  assert.equal(dag.maxOutDegree, 1);
});

Deno.test("dagTracker.completeIndex() writes the newly ready indices to out", async (t) => {
  const dag = new DagTracker(DIAMOND);
  const out = new Int32Array(dag.maxOutDegree).fill(-7);
  await t.step("returns how many, in definition order", () => {
    assert.equal(dag.maxOutDegree, 2);
    assert.equal(dag.completeIndex(0, out), 2);
    assert.deepEqual([...out], [1, 2]);
    assert.equal(dag.completeIndex(1, out), 0);
    assert.equal(dag.completeIndex(2, out), 1);
    assert.equal(out[0], 3);
    assert.equal(dag.idAt(out[0] ?? -1), "publish");
  });
  await t.step("refuses an out too short for the node's dependents", () => {
    const other = new DagTracker(DIAMOND);
    assert.throws(() => other.completeIndex(0, new Int32Array(1)), RangeError);
    assert.equal(other.stateAt(0), "ready", "nothing changed");
  });
});

Deno.test("DagTracker refuses illegal transitions with a clear error", async (t) => {
  const cases: {
    name: string;
    act: (dag: DagTracker) => unknown;
    error: { code: string; message: RegExp } | typeof RangeError;
  }[] = [
    {
      name: "start a pending node",
      act: (dag) => dag.start("test"),
      error: {
        code: "InvalidInput",
        message: /^Cannot start node test of workflow release: it is pending, not ready$/,
      },
    },
    {
      name: "start a running node",
      act: (dag) => (dag.start("build"), dag.start("build")),
      error: { code: "InvalidInput", message: /it is running, not ready$/ },
    },
    {
      name: "complete a pending node",
      act: (dag) => dag.complete("publish"),
      error: {
        code: "InvalidInput",
        message: /^Cannot complete node publish of workflow release: it is pending, not ready or/,
      },
    },
    {
      name: "complete a node twice",
      act: (dag) => (dag.complete("build"), dag.complete("build")),
      error: { code: "InvalidInput", message: /it is done, not ready or running$/ },
    },
    {
      name: "fail a skipped node",
      act: (dag) => (dag.fail("build"), dag.fail("test")),
      error: {
        code: "InvalidInput",
        message: /^Cannot fail node test of workflow release: it is skipped/,
      },
    },
    {
      name: "name an unknown node",
      act: (dag) => dag.complete("deploy"),
      error: {
        code: "NotFound",
        message: /^Cannot complete node deploy: workflow release has no such node$/,
      },
    },
    { name: "pass an index out of range", act: (dag) => dag.startIndex(4), error: RangeError },
    { name: "pass a fractional index", act: (dag) => dag.stateAt(0.5), error: RangeError },
    {
      name: "pass a negative duration",
      act: (dag) => dag.complete("build", { durationMs: -1 }),
      error: RangeError,
    },
  ];
  for (const { name, act, error } of cases) {
    await t.step(name, () => assert.throws(() => act(new DagTracker(DIAMOND)), error));
  }
});

Deno.test("dagTracker.fail() skips the dependents transitively but not the siblings", () => {
  const dag = new DagTracker({
    id: "w",
    nodes: [
      { id: "root" },
      { id: "left", dependsOn: ["root"] },
      { id: "right", dependsOn: ["root"] },
      { id: "leftChild", dependsOn: ["left"] },
      { id: "join", dependsOn: ["leftChild", "right"] },
      { id: "rightChild", dependsOn: ["right"] },
    ],
  });
  dag.complete("root");
  dag.start("left");
  assert.deepEqual(dag.fail("left"), ["leftChild", "join"]);
  assert.equal(dag.node("left").state, "failed");
  assert.equal(dag.node("right").state, "ready");
  assert.deepEqual(dag.complete("right"), ["rightChild"], "join stays skipped");
  assert.equal(dag.node("join").state, "skipped");
  assert.equal(dag.finished, false);
  dag.complete("rightChild");
  assert.equal(dag.finished, true);
});

Deno.test("dagTracker.progress() counts the nodes in each state as they move", () => {
  const dag = new DagTracker(DIAMOND);
  const counts = (): Record<string, number> => dag.progress().counts;
  assert.deepEqual(dag.progress(), {
    done: 0,
    total: 4,
    counts: { pending: 3, ready: 1, running: 0, done: 0, failed: 0, skipped: 0 },
    finished: false,
  });
  dag.start("build");
  assert.deepEqual(counts(), { pending: 3, ready: 0, running: 1, done: 0, failed: 0, skipped: 0 });
  dag.complete("build");
  assert.deepEqual(counts(), { pending: 1, ready: 2, running: 0, done: 1, failed: 0, skipped: 0 });
  dag.complete("docs");
  dag.fail("test");
  assert.deepEqual(dag.progress(), {
    done: 2,
    total: 4,
    counts: { pending: 0, ready: 0, running: 0, done: 2, failed: 1, skipped: 1 },
    finished: true,
  });
  dag.reset();
  assert.deepEqual(counts(), { pending: 3, ready: 1, running: 0, done: 0, failed: 0, skipped: 0 });
  assert.deepEqual(dag.ready(), ["build"]);
});

Deno.test("dagTracker.criticalPath() weighs measured durations, else estimates, else the default", async (t) => {
  await t.step("by estimates", () => {
    assert.deepEqual(new DagTracker(DIAMOND).criticalPath(), {
      nodes: ["build", "test", "publish"],
      totalMs: 45,
    });
  });
  await t.step("by durations measured with the clock, once done", () => {
    let clock = 1_000;
    const dag = new DagTracker(DIAMOND, { now: () => clock });
    dag.start("build");
    clock += 4;
    dag.complete("build");
    dag.start("docs");
    clock += 100;
    dag.complete("docs");
    assert.equal(dag.node("docs").durationMs, 100);
    assert.equal(dag.node("build").durationMs, 4);
    assert.deepEqual(dag.criticalPath(), { nodes: ["build", "docs", "publish"], totalMs: 109 });
    dag.complete("test", { durationMs: 200 });
    assert.deepEqual(dag.criticalPath(), { nodes: ["build", "test", "publish"], totalMs: 209 });
  });
  await t.step("the default estimate where a node has none", () => {
    const dag = new DagTracker(
      { id: "w", nodes: [{ id: "a" }, { id: "b", dependsOn: ["a"] }, { id: "c", estimateMs: 3 }] },
      { defaultEstimateMs: 2 },
    );
    assert.deepEqual(dag.criticalPath(), { nodes: ["a", "b"], totalMs: 4 });
  });
  await t.step("nothing for an empty workflow", () => {
    assert.deepEqual(new DagTracker({ id: "w", nodes: [] }).criticalPath(), {
      nodes: [],
      totalMs: 0,
    });
  });
});

Deno.test("DagTracker.restore() resumes a checkpoint in a new connection, retrying running nodes", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "host", "symphony.db");
  {
    using db = openDb(file);
    const dag = new DagTracker(DIAMOND, { now: () => Date.UTC(2030, 0, 1) });
    dag.complete("build", { durationMs: 7 });
    dag.start("test");
    dag.checkpoint(db);
    dag.complete("docs"); // After the checkpoint: lost with the host.
  }
  using db = openDb(file);
  assert.deepEqual(DagTracker.listCheckpointed(db), ["release"]);
  const dag = DagTracker.restore(db, "release", { running: "retry" });
  assert.deepEqual(dag.ready(), ["test", "docs"]);
  assert.deepEqual(dag.node("build"), { id: "build", state: "done", attempts: 0, durationMs: 7 });
  assert.equal(dag.node("test").attempts, 1);
  dag.start("test");
  assert.equal(dag.node("test").attempts, 2);
  assert.deepEqual(dag.complete("test"), []);
  assert.deepEqual(dag.complete("docs"), ["publish"]);
  assert.deepEqual(dag.progress().counts.done, 3);
  dag.complete("publish");
  dag.checkpoint(db);
  assert.deepEqual(DagTracker.listCheckpointed(db), [], "a finished workflow is not resumed");
  assert.equal(DagTracker.restore(db, "release").finished, true);
});

Deno.test("DagTracker.restore() fails running nodes by policy or past maxAttempts", async (t) => {
  await using dir = await tempDir();
  using db = openDb(join(dir.path, "symphony.db"));
  const saved = new DagTracker(DIAMOND);
  saved.complete("build");
  saved.start("test");
  saved.checkpoint(db);
  const cases: { name: string; options: Parameters<typeof DagTracker.restore>[2] }[] = [
    { name: "running: fail", options: { running: "fail" } },
    { name: "retry, but maxAttempts 1 reached", options: { running: "retry", maxAttempts: 1 } },
  ];
  for (const { name, options } of cases) {
    await t.step(name, () => {
      const dag = DagTracker.restore(db, "release", options);
      assert.equal(dag.node("test").state, "failed");
      assert.equal(dag.node("publish").state, "skipped");
      assert.deepEqual(dag.ready(), ["docs"]);
    });
  }
  await t.step("retry below maxAttempts", () => {
    const dag = DagTracker.restore(db, "release", { maxAttempts: 2 });
    assert.deepEqual(dag.ready(), ["test", "docs"]);
  });
  await t.step("a bad maxAttempts", () => {
    assert.throws(() => DagTracker.restore(db, "release", { maxAttempts: 0 }), RangeError);
  });
});

Deno.test("DagTracker.restore() reports a missing or damaged checkpoint", async () => {
  await using dir = await tempDir();
  using db = openDb(join(dir.path, "symphony.db"));
  assert.throws(() => DagTracker.restore(db, "nope"), {
    code: "NotFound",
    message: "Cannot restore workflow nope: the host database has no checkpoint of it",
  });
  new DagTracker(DIAMOND).checkpoint(db);
  db.prepare("INSERT INTO dag_node_states VALUES ('release', 'publish', 'done', NULL, 1)").run();
  assert.throws(() => DagTracker.restore(db, "release"), {
    code: "Internal",
    message: "Cannot restore workflow release: its checkpoint is damaged",
  });
  db.prepare("UPDATE dag_workflows SET definition = '{' WHERE id = 'release'").run();
  assert.throws(() => DagTracker.restore(db, "release"), { code: "Internal" });
});

Deno.test("dagTracker.checkpoint() writes only the nodes changed since its last checkpoint", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  using db = openDb(file);
  const changes = (): number =>
    (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
  const dag = new DagTracker(chain(1_000));
  const out = new Int32Array(1);
  for (let i = 0; i < 500; i++) dag.completeIndex(i, out);
  let before = changes();
  dag.checkpoint(db);
  assert.equal(changes() - before, 1 + 501, "first checkpoint: workflow, 500 done, 1 ready");
  dag.completeIndex(500, out);
  before = changes();
  dag.checkpoint(db);
  assert.equal(changes() - before, 1 + 2, "then: the workflow row and the two nodes that moved");
  using other = openDb(file);
  dag.reset();
  dag.checkpoint(db);
  assert.equal(DagTracker.restore(other, "chain").progress().counts.done, 0, "reset written whole");
  DagTracker.removeCheckpoint(db, "chain");
  dag.complete("n0");
  dag.checkpoint(db); // The stored checkpoint is gone: written whole again.
  const restored = DagTracker.restore(other, "chain");
  assert.equal(restored.progress().counts.done, 1);
  assert.deepEqual(restored.ready(), ["n1"]);
});

Deno.test("DagTracker.listCheckpointed() lists unfinished workflows until removed", async () => {
  await using dir = await tempDir();
  using db = openDb(join(dir.path, "symphony.db"));
  let clock = 0;
  const now = (): number => clock;
  for (const id of ["b", "a", "done"]) {
    clock += 1_000;
    const dag = new DagTracker({ id, nodes: [{ id: "only" }] }, { now });
    if (id === "done") dag.complete("only");
    dag.checkpoint(db);
  }
  assert.deepEqual(DagTracker.listCheckpointed(db), ["b", "a"], "oldest checkpoint first");
  assert.equal(DagTracker.removeCheckpoint(db, "b"), true);
  assert.equal(DagTracker.removeCheckpoint(db, "b"), false);
  assert.deepEqual(DagTracker.listCheckpointed(db), ["a"]);
  assert.throws(() => DagTracker.restore(db, "b"), { code: "NotFound" });
});

Deno.test("a 100,000-node chain builds, runs to its end and checkpoints", async () => {
  const dag = new DagTracker(chain(100_000));
  const path = dag.criticalPath();
  assert.equal(path.nodes.length, 100_000);
  assert.equal(path.totalMs, 99_999);
  const out = new Int32Array(dag.maxOutDegree);
  let steps = 0;
  for (let next = 0; dag.completeIndex(next, out) === 1; next = out[0] ?? -1) steps++;
  assert.equal(steps, 99_999);
  assert.equal(dag.progress().done, 100_000);
  await using dir = await tempDir();
  using db = openDb(join(dir.path, "symphony.db"));
  dag.checkpoint(db);
  assert.equal(DagTracker.restore(db, "chain").progress().done, 100_000);
});

Deno.test("a wide fan-out makes 100,000 dependents ready at once", () => {
  const nodes = [
    { id: "root" },
    ...Array.from({ length: 100_000 }, (_, i) => ({
      id: `leaf${i}`,
      dependsOn: ["root"],
    })),
  ];
  const dag = new DagTracker({ id: "fan", nodes });
  assert.equal(dag.maxOutDegree, 100_000);
  const ready = dag.complete("root");
  assert.equal(ready.length, 100_000);
  assert.equal(ready[99_999], "leaf99999");
  assert.equal(dag.progress().counts.ready, 100_000);
  assert.equal(dag.fail("leaf5").length, 0);
});
