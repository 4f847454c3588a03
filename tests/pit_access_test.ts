// The Pit as extensions reach it, through ctx, by trust tier: community
// extensions get their own artifact namespace and nothing else; trusted ones
// may also lease the resources they declare and read workflow progress;
// enterprise ones get the full API. Each refusal is an attack that fails.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertFails, attacker, stage } from "./extension_stage.ts";

const FAST = { limits: { watchIntervalMs: 50 } };

async function defineResources(home: string, resources: Record<string, number>): Promise<void> {
  await Deno.mkdir(join(home, "host"), { recursive: true });
  await Deno.writeTextFile(join(home, "host", "policy.json"), JSON.stringify({ resources }));
}

Deno.test("an extension keeps artifacts in its namespace, sent and read back in chunks", async () => {
  await using s = await stage({}, FAST);
  await s.install(attacker(
    "acme.keeper",
    `const bytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7) % 251);
     const put = await ctx.artifacts.put("weights", bytes, { tags: ["model"], mediaType: "application/octet-stream" });
     const again = await ctx.artifacts.put("weights", "second version");
     const back = await ctx.artifacts.read(put.id);
     const chunks = [];
     for await (const chunk of ctx.artifacts.open(put.id)) chunks.push(chunk.length);
     const found = await ctx.artifacts.search({ tag: "model" });
     return {
       put, version: again.version, same: back.length === bytes.length && back.every((b, i) => b === bytes[i]),
       chunks, found: found.map((f) => f.name + "@" + f.version),
       range: Array.from(await ctx.artifacts.read(put.id, { offset: 10, length: 3 })),
     };`,
  ));
  const result = await s.conductor.call("acme.keeper", "run", null) as {
    put: { namespace: string; producer: string; size: number; version: number; id: string };
    version: number;
    same: boolean;
    chunks: number[];
    found: string[];
    range: number[];
  };
  assert.equal(result.put.namespace, "acme.keeper");
  assert.equal(result.put.producer, "acme.keeper");
  assert.equal(result.put.size, 3 * 1024 * 1024 + 5);
  assert.equal(result.version, 2);
  assert.equal(result.same, true);
  assert.deepEqual(result.chunks, [1048576, 1048576, 1048576, 5]);
  assert.deepEqual(result.found, ["weights@1"]);
  assert.deepEqual(result.range, [70 % 251, 77 % 251, 84 % 251]);
  // The host holds the same content under the same id.
  const stored = s.conductor.pit.artifacts.get("acme.keeper", "weights", { version: 1 });
  assert.equal(stored.id, result.put.id);
});

Deno.test("a community extension cannot reach another's artifacts, leases or workflows", async (t) => {
  await using s = await stage({}, FAST);
  await defineResources(s.conductor.layout.home, { gpu: 1 });
  const owner = await s.conductor.pit.artifacts.put(
    "acme.owner",
    new TextEncoder().encode("private"),
    { name: "secret", producer: "acme.owner" },
  );
  s.conductor.pit.createWorkflow({ id: "w", nodes: [{ id: "a" }] });
  await s.install(
    attacker("acme.thief", "return await ctx[input.api][input.method](...input.args);", {
      resources: { leases: ["gpu"] },
    }),
  );
  const attempt = (api: string, method: string, ...args: unknown[]) =>
    s.conductor.call("acme.thief", "run", { api, method, args });
  await t.step("reading an unshared artifact of another extension", async () => {
    await assertFails(
      attempt("artifacts", "read", owner.id, { owner: "acme.owner" }),
      "PermissionDenied",
    );
    await assertFails(
      attempt("artifacts", "get", "secret", { owner: "acme.owner" }),
      "PermissionDenied",
    );
    await assertFails(attempt("artifacts", "read", owner.id), "PermissionDenied");
  });
  await t.step("a lease, even on a resource it declares", async () => {
    await assertFails(
      attempt("leases", "acquire", { resources: [{ name: "gpu" }] }),
      "PermissionDenied",
      /community tier/,
    );
    assert.equal(s.conductor.pit.arbitration.usage("gpu").used, 0);
  });
  await t.step("workflow progress, and driving a workflow", async () => {
    await assertFails(attempt("workflows", "progress", "w"), "PermissionDenied");
    await assertFails(attempt("workflows", "step", "w", "start", "a"), "PermissionDenied");
    assert.equal(s.conductor.pit.workflow("w").node("a").state, "ready");
  });
  await t.step("each refusal is audited", async () => {
    const refusals = async () =>
      (await s.conductor.audit.list({ kind: "policy-refusal", extension: "acme.thief" })).length;
    for (let i = 0; i < 100 && await refusals() < 6; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await refusals(), 6);
  });
  await t.step("what the owner shares, it may read", async () => {
    s.conductor.pit.artifacts.share("acme.owner", "secret", { with: "acme.thief" });
    const read = await attempt("artifacts", "get", "secret", { owner: "acme.owner" }) as {
      id: string;
    };
    assert.equal(read.id, owner.id);
  });
});

Deno.test("a trusted extension leases what it declares, and its leases end with its process", async () => {
  await using s = await stage({}, FAST);
  await defineResources(s.conductor.layout.home, { gpu: 1, "net:api.example.com": 5 });
  const leaser = (id: string) =>
    attacker(
      id,
      `if (input === "crash") Deno.exit(3);
       const lease = await ctx.leases.acquire({ resources: input });
       return lease.resources;`,
      { resources: { leases: ["gpu"] } },
    );
  await s.install(leaser("acme.first"));
  await s.install(leaser("acme.second"));
  await s.conductor.setTrust("acme.first", "trusted");
  await s.conductor.setTrust("acme.second", "trusted");
  assert.deepEqual(await s.conductor.call("acme.first", "run", [{ name: "gpu" }]), [
    { name: "gpu", units: 1 },
  ]);
  await assertFails(
    s.conductor.call("acme.first", "run", [{ name: "net:api.example.com" }]),
    "PermissionDenied",
    /does not declare net:api\.example\.com/,
  );
  await assertFails(
    s.conductor.call("acme.second", "run", [{ name: "gpu" }]),
    "ResourceExhausted",
  );
  // The holder crashes: the host takes its lease back.
  await assertFails(s.conductor.call("acme.first", "run", "crash"), "Crashed");
  assert.deepEqual(await s.conductor.call("acme.second", "run", [{ name: "gpu" }]), [
    { name: "gpu", units: 1 },
  ]);
  await s.conductor.stop("acme.second");
  assert.equal(s.conductor.pit.arbitration.usage("gpu").used, 0);
});

Deno.test("trusted extensions read workflow progress; enterprise ones drive workflows", async () => {
  await using s = await stage({}, FAST);
  await s.install(
    attacker("acme.driver", "return await ctx.workflows[input.method](...input.args);"),
  );
  await s.install(attacker("acme.watcher", "return await ctx.workflows.progress(input);"));
  await s.conductor.setTrust("acme.driver", "trusted");
  await s.conductor.setTrust("acme.watcher", "trusted");
  const drive = (method: string, ...args: unknown[]) =>
    s.conductor.call("acme.driver", "run", { method, args });
  const definition = {
    id: "build",
    nodes: [{ id: "fetch" }, { id: "compile", dependsOn: ["fetch"] }],
  };
  await assertFails(drive("create", definition), "PermissionDenied", /trusted tier/);
  await s.conductor.setTrust("acme.driver", "enterprise");
  assert.deepEqual(await drive("create", definition), { id: "build", ready: ["fetch"] });
  await drive("step", "build", "start", "fetch");
  assert.deepEqual(await drive("step", "build", "complete", "fetch"), ["compile"]);
  const progress = await s.conductor.call("acme.watcher", "run", "build") as {
    done: number;
    total: number;
  };
  assert.deepEqual([progress.done, progress.total], [1, 2]);
  const changes = s.conductor.audit.list({ kind: "trust", extension: "acme.driver" });
  assert.deepEqual(changes.map((r) => r.detail), [
    { from: "community", to: "trusted" },
    { from: "trusted", to: "enterprise" },
  ]);
});
