import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "../tests/temp_dir.ts";
import type { AuditEntry } from "./audit_trail.ts";
import { homeLayout } from "./home_layout.ts";
import { openHostDatabase } from "./host_database.ts";
import { HostPit } from "./host_pit.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function pitIn(home: string, db: DatabaseSync, audited: AuditEntry[] = []): HostPit {
  return new HostPit({
    layout: homeLayout(home),
    db: () => db,
    audit: (entry) => audited.push(entry),
    decisionSampleRate: 1,
  });
}

Deno.test("HostPit records arbitration decisions, with who was ahead, in the audit trail", async () => {
  await using dir = await tempDir();
  using db = openHostDatabase(homeLayout(dir.path).databaseFile);
  const audited: AuditEntry[] = [];
  using pit = pitIn(dir.path, db, audited);
  pit.defineResources({ gpu: 1 });
  const lease = pit.arbitration.tryAcquire({ holder: "acme.a", resources: [{ name: "gpu" }] });
  assert.ok(lease);
  const waiting = pit.arbitration.acquire({ holder: "acme.b", resources: [{ name: "gpu" }] });
  pit.arbitration.release(lease);
  await waiting;
  const decisions = audited.filter((e) => e.kind === "arbitration");
  assert.deepEqual(decisions.map((e) => [e.extension, e.detail.decision]), [
    ["acme.a", "grant"],
    ["acme.b", "wait"],
    ["acme.b", "grant"],
  ]);
  const wait = decisions[1]?.detail as { ahead: { holder: string }[] };
  assert.deepEqual(wait.ahead.map((a) => a.holder), ["acme.a"]);
});

Deno.test("HostPit.defineResources() keeps what is defined and refuses bad names", async () => {
  await using dir = await tempDir();
  using db = openHostDatabase(homeLayout(dir.path).databaseFile);
  using pit = pitIn(dir.path, db);
  pit.defineResources({ gpu: 1 });
  pit.defineResources({ gpu: 4, "file:/data/m.bin": 8 });
  assert.equal(pit.arbitration.usage("gpu").capacity, 1);
  assert.equal(pit.arbitration.usage("file:/data/m.bin").kind, "read-write");
  assert.throws(
    () => pit.defineResources({ "Not A Name": 1 }),
    (e) => e instanceof SymphonyError && e.code === "InvalidInput",
  );
});

Deno.test("HostPit workflows survive a restart: done stays done, running is retried", async () => {
  await using dir = await tempDir();
  const file = homeLayout(dir.path).databaseFile;
  {
    using db = openHostDatabase(file);
    using pit = pitIn(dir.path, db);
    pit.createWorkflow({
      id: "build",
      nodes: [{ id: "fetch" }, { id: "compile", dependsOn: ["fetch"] }, {
        id: "test",
        dependsOn: ["compile"],
      }],
    });
    pit.stepWorkflow("build", "start", "fetch");
    assert.deepEqual(pit.stepWorkflow("build", "complete", "fetch"), ["compile"]);
    pit.stepWorkflow("build", "start", "compile");
    assert.throws(
      () => pit.createWorkflow({ id: "build", nodes: [] }),
      (e) => e instanceof SymphonyError && e.code === "InvalidInput",
    );
  }
  using db = openHostDatabase(file);
  using pit = pitIn(dir.path, db);
  const build = pit.workflow("build");
  assert.equal(build.node("fetch").state, "done");
  assert.deepEqual(build.ready(), ["compile"]);
  assert.equal(build.node("compile").attempts, 1);
  assert.throws(
    () => pit.workflow("nope"),
    (e) => e instanceof SymphonyError && e.code === "NotFound",
  );
});

Deno.test("HostPit.gc() keeps what an unfinished workflow names, and audits what it removes", async () => {
  await using dir = await tempDir();
  using db = openHostDatabase(homeLayout(dir.path).databaseFile);
  const audited: AuditEntry[] = [];
  using pit = pitIn(dir.path, db, audited);
  for (const name of ["input", "scratch"]) {
    await pit.artifacts.put("acme.a", bytes(`${name} 1`), { name, producer: "acme.a" });
    await pit.artifacts.put("acme.a", bytes(`${name} 2`), { name, producer: "acme.a" });
  }
  pit.createWorkflow({ id: "w", nodes: [{ id: "n", artifacts: ["acme.a/input"] }] });
  const policy = { maxTotalBytes: 0 };
  const dry = await pit.gc({ policy, dryRun: true });
  assert.deepEqual(dry.removals.map((r) => r.key).sort(), ["acme.a/scratch@1", "acme.a/scratch@2"]);
  assert.equal(dry.kept.referenced, 2);
  assert.equal(pit.artifacts.usage().length, 4);
  assert.equal(audited.filter((e) => e.kind === "gc").length, 0);
  await pit.gc({ policy });
  assert.deepEqual(pit.artifacts.usage().map((u) => `${u.name}@${u.version}`).sort(), [
    "input@1",
    "input@2",
  ]);
  const [gc] = audited.filter((e) => e.kind === "gc");
  assert.equal((gc?.detail.removed as unknown[]).length, 2);
  // Once the workflow is finished, its artifacts are no longer kept.
  pit.stepWorkflow("w", "start", "n");
  pit.stepWorkflow("w", "complete", "n");
  await pit.gc({ policy });
  assert.deepEqual(pit.artifacts.usage(), []);
});
