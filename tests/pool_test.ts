// The Pool Manager on the Conductor's call path: a process budget with
// least-recently-used eviction of idle processes (never busy ones), and
// pre-warming at host start of the extensions an earlier host called often.
import assert from "node:assert/strict";
import { Conductor } from "../conductor/mod.ts";
import { attacker, BENIGN, stage } from "./extension_stage.ts";
import { assertGone } from "./processes.ts";

Deno.test("past the process budget, the least recently used idle process is evicted", async () => {
  await using s = await stage({}, { processBudget: { maxProcesses: 2 } });
  for (const id of ["acme.one", "acme.two"]) {
    await s.install(attacker(id, `return "${id}";`));
  }
  await s.assertBenignServes();
  assert.equal(await s.conductor.call("acme.one", "run", null), "acme.one");
  // acme.benign was used least recently: it makes room for acme.two.
  assert.equal(await s.conductor.call("acme.two", "run", null), "acme.two");
  assert.equal(s.conductor.isRunning("acme.benign"), false);
  assert.equal(s.conductor.isRunning("acme.one"), true);
  assert.match(
    s.conductor.transitions("acme.benign").at(-2)?.reason ?? "",
    /evicted: the host's process budget is full/,
  );
  assert.equal(s.conductor.pool.stats().processes, 2);
  // An evicted extension starts again when called, evicting the next in line.
  await s.assertBenignServes();
  assert.equal(s.conductor.isRunning("acme.one"), false);
});

Deno.test("a busy process is never evicted: the call that needs room waits for it", async () => {
  await using s = await stage({}, { processBudget: { maxProcesses: 1 } });
  await s.install(
    attacker("acme.slow", "await new Promise((r) => setTimeout(r, 400)); return 'slow';"),
  );
  const order: string[] = [];
  const slow = s.conductor.call("acme.slow", "run", null).then((r) => order.push(r as string));
  // The slow call is in flight before the benign one asks for room.
  while (!s.conductor.isRunning("acme.slow")) await new Promise((r) => setTimeout(r, 10));
  const benign = s.conductor.call("acme.benign", "echo", 1).then(() => order.push("benign"));
  await Promise.all([slow, benign]);
  assert.deepEqual(order, ["slow", "benign"]);
  assert.equal(s.conductor.isRunning("acme.slow"), false);
});

Deno.test("a host pre-warms the extensions an earlier host called often", async () => {
  await using s = await stage();
  await s.install(attacker("acme.rare", "return 'rare';"));
  for (let i = 0; i < 30; i++) await s.assertBenignServes();
  assert.equal(await s.conductor.call("acme.rare", "run", null), "rare");
  // Stopped, it stays stopped: pre-warming is for host starts and after evictions.
  await s.conductor.stop(BENIGN.id);
  await s.conductor.pool.settled();
  assert.equal(s.conductor.isRunning(BENIGN.id), false);
  await s.conductor.stopAll();
  await using next = new Conductor({ home: s.conductor.layout.home, workspace: s.workspace });
  assert.equal(next.isRunning(BENIGN.id), false);
  await next.startEager();
  assert.equal(next.isRunning(BENIGN.id), true);
  assert.equal(next.isRunning("acme.rare"), false);
});

Deno.test("an extension with several instances runs calls past max_concurrency in another process", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.wide",
    resources: { instances: 2, max_concurrency: 1 },
    functions: [{ name: "slow" }],
    main: `export function activate() {
      return { slow: async () => { await new Promise((r) => setTimeout(r, 200)); return Deno.pid; } };
    }`,
  });
  const pids = await Promise.all([1, 2, 3].map(() => s.conductor.call("acme.wide", "slow", null)));
  // Two processes share the three calls; the third waits for a free one.
  assert.equal(new Set(pids).size, 2);
  assert.equal(s.conductor.pool.stats().processes, 2);
  await s.conductor.stop("acme.wide");
  for (const pid of pids) await assertGone(pid as number);
  assert.equal(s.conductor.pool.stats().processes, 0);
});

Deno.test("a host runs one process an extension unless the manifest asks for more", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.narrow",
    resources: { max_concurrency: 1 },
    functions: [{ name: "slow" }],
    main: `export function activate() {
      return { slow: async () => { await new Promise((r) => setTimeout(r, 100)); return Deno.pid; } };
    }`,
  });
  const pids = await Promise.all([1, 2].map(() => s.conductor.call("acme.narrow", "slow", null)));
  assert.equal(new Set(pids).size, 1);
});
