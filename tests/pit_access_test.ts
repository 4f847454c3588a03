// The Pit as extensions reach it, through ctx, by trust tier: community
// extensions get their own artifact namespace and nothing else; trusted ones
// may also lease the resources they declare and read workflow progress;
// enterprise ones get the full API. Each refusal is an attack that fails.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertFails, attacker, stage } from "./extension_stage.ts";
import { assertGone } from "./processes.ts";

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
  await t.step(
    "reading an unshared artifact of another extension: as if it did not exist",
    async () => {
      await assertFails(
        attempt("artifacts", "read", owner.id, { owner: "acme.owner" }),
        "NotFound",
      );
      await assertFails(attempt("artifacts", "get", "secret", { owner: "acme.owner" }), "NotFound");
      await assertFails(attempt("artifacts", "read", owner.id), "NotFound");
      // The same answer as for content that exists nowhere.
      await assertFails(attempt("artifacts", "read", "0".repeat(64)), "NotFound");
    },
  );
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
    for (let i = 0; i < 100 && await refusals() < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await refusals(), 3);
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

Deno.test("an extension cannot write into another's upload or release another's lease", async () => {
  await using s = await stage({}, FAST);
  await defineResources(s.conductor.layout.home, { gpu: 1 });
  await s.install({
    id: "acme.victim",
    resources: { leases: ["gpu"] },
    functions: [{ name: "lease" }, { name: "store" }, { name: "resume" }],
    main: `let release;
      const gate = new Promise((resolve) => (release = resolve));
      export function activate(ctx) {
        return {
          lease: async () => (await ctx.leases.acquire({ resources: [{ name: "gpu" }] })).id,
          store: async () => {
            const parts = (async function* () {
              yield new TextEncoder().encode("hello");
              ctx.log.info("first part sent");
              await gate;
              yield new TextEncoder().encode(" world");
            })();
            return (await ctx.artifacts.put("doc", parts)).id;
          },
          resume: () => (release(), true),
        };
      }`,
  });
  await s.conductor.setTrust("acme.victim", "trusted");
  // Forged requests, written straight onto the bus, for every likely id.
  await s.install(attacker(
    "acme.forger",
    `const encoder = new TextEncoder();
     for (let id = 1; id <= 8; id++) {
       for (const frame of [
         { method: "pit.artifacts.put.chunk", params: { upload: id, data: btoa("EVIL") } },
         { method: "pit.artifacts.put.end", params: { upload: id } },
         { method: "pit.leases.release", params: { id } },
       ]) {
         const text = JSON.stringify({ jsonrpc: "2.0", id: 1000 + id, ...frame });
         Deno.stdout.writeSync(encoder.encode(text + String.fromCharCode(10)));
       }
     }
     // Answered after the forged requests: the host has seen them.
     return (await ctx.artifacts.search()).length;`,
  ));
  await s.conductor.setTrust("acme.forger", "trusted");
  await s.conductor.call("acme.victim", "lease", null);
  const stored = s.conductor.call("acme.victim", "store", null);
  await s.nextLog((line) => line.id === "acme.victim" && line.message === "first part sent");
  assert.equal(await s.conductor.call("acme.forger", "run", null), 0);
  await s.conductor.call("acme.victim", "resume", null);
  const id = await stored as string;
  const bytes = await s.conductor.pit.artifacts.read("acme.victim", id, { length: 100 });
  assert.equal(new TextDecoder().decode(bytes), "hello world");
  assert.equal(s.conductor.pit.arbitration.usage("gpu").used, 1);
});

Deno.test("a process's leases end with it, even when a successor already runs", async () => {
  await using s = await stage({}, { limits: { watchIntervalMs: 50, killGraceMs: 1_000 } });
  await defineResources(s.conductor.layout.home, { gpu: 1 });
  await s.install({
    id: "acme.stubborn",
    resources: { leases: ["gpu"], timeout_ms: 300 },
    functions: [{ name: "lease" }, { name: "hang" }, { name: "ping" }],
    main: `export function activate(ctx) {
      return {
        lease: async () => (await ctx.leases.acquire({ resources: [{ name: "gpu" }] }), Deno.pid),
        // Ignores SIGTERM and spins: only the SIGKILL after the grace ends it.
        hang: () => { Deno.addSignalListener("SIGTERM", () => {}); for (;;) {} },
        ping: () => Deno.pid,
      };
    }`,
  });
  await s.install(
    attacker(
      "acme.next",
      "await ctx.leases.acquire({ resources: [{ name: 'gpu' }] }); return true;",
      {
        resources: { leases: ["gpu"] },
      },
    ),
  );
  await s.conductor.setTrust("acme.stubborn", "trusted");
  await s.conductor.setTrust("acme.next", "trusted");
  const first = await s.conductor.call("acme.stubborn", "lease", null) as number;
  await assertFails(s.conductor.call("acme.stubborn", "hang", null), "Timeout");
  // The successor starts while the first process waits out its grace.
  const second = await s.conductor.call("acme.stubborn", "ping", null) as number;
  assert.notEqual(second, first);
  await assertGone(first);
  let freed = false;
  for (let i = 0; i < 100 && !freed; i++) {
    freed = s.conductor.pit.arbitration.usage("gpu").used === 0;
    if (!freed) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(freed, true, "the dead process's lease was not released");
  assert.equal(await s.conductor.call("acme.next", "run", null), true);
});
