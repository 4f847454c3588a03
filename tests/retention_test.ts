// The host policy's retention, applied by a long-running host: old
// artifacts go as `symphony gc` would remove them, and idle extension
// processes are reaped, on a schedule and on demand.
import assert from "node:assert/strict";
import { join } from "node:path";
import { BENIGN, stage } from "./extension_stage.ts";

// The host reads the policy at most once a watch interval: short here.
const FAST = { limits: { watchIntervalMs: 50 } };

async function writePolicy(home: string, policy: unknown): Promise<void> {
  await Deno.mkdir(join(home, "host"), { recursive: true });
  await Deno.writeTextFile(join(home, "host", "policy.json"), JSON.stringify(policy));
  // Past a watch interval, the next read is of this file.
  await delay(120);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("the retention removes surplus versions and reaps idle processes, and says why", async () => {
  await using s = await stage({}, FAST);
  await writePolicy(s.conductor.layout.home, {
    retention: { keep_per_name: 1, process_idle_minutes: 0.001 },
  });
  const { artifacts } = s.conductor.pit;
  await artifacts.put("acme.a", new TextEncoder().encode("one"), { name: "n", producer: "acme.a" });
  await delay(2);
  await artifacts.put("acme.a", new TextEncoder().encode("two"), { name: "n", producer: "acme.a" });
  await s.assertBenignServes();
  // Idle for more than 60 ms.
  await delay(150);
  const report = await s.conductor.runRetention();
  assert.deepEqual(report?.removals.map((r) => [r.key, r.reason]), [["acme.a/n@1", "count"]]);
  assert.deepEqual(report?.processes.map((p) => [p.key, p.outcome?.status]), [
    [BENIGN.id, "done"],
  ]);
  assert.equal(s.conductor.isRunning(BENIGN.id), false);
  assert.match(s.conductor.transitions(BENIGN.id).at(-2)?.reason ?? "", /idle: reaped/);
  assert.deepEqual(artifacts.usage().map((u) => u.version), [2]);
  // The host's own audit records are committed a few ms later.
  for (let i = 0; i < 100 && s.conductor.audit.list({ kind: "gc" }).length === 0; i++) {
    await delay(20);
  }
  const [gc] = s.conductor.audit.list({ kind: "gc" });
  assert.deepEqual(gc?.detail.reaped, [BENIGN.id]);
});

Deno.test("without a retention in the policy, nothing is removed", async () => {
  await using s = await stage();
  await s.conductor.pit.artifacts.put("acme.a", new Uint8Array(1), {
    name: "n",
    producer: "acme.a",
  });
  assert.equal(await s.conductor.runRetention(), undefined);
  assert.equal(s.conductor.pit.artifacts.usage().length, 1);
});

Deno.test("a running host applies the retention on its schedule", async () => {
  await using s = await stage({}, FAST);
  await writePolicy(s.conductor.layout.home, {
    retention: { every_minutes: 0.001, max_bytes: 0 },
  });
  await s.conductor.pit.artifacts.put("acme.a", new Uint8Array(10), {
    name: "n",
    producer: "acme.a",
  });
  s.conductor.startRetention();
  const deadline = Date.now() + 5_000;
  while (s.conductor.pit.artifacts.usage().length > 0) {
    assert.ok(Date.now() < deadline, "the scheduled retention never ran");
    await delay(20);
  }
});
