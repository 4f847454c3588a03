import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { validateManifest } from "../manifest/mod.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { MIGRATIONS, openHostDatabase, SCHEMA_VERSION } from "./host_database.ts";
import { type InstalledExtension, StateStore } from "./state_store.ts";

function record(id: string, version = "1.0.0"): InstalledExtension {
  const result = validateManifest({
    manifest_version: 1,
    id,
    name: id,
    version,
    type: "operator",
    entry: "main.ts",
    operator: { functions: [{ name: "run" }] },
  });
  assert.ok(result.ok);
  return {
    id,
    version,
    manifest: result.manifest,
    installedAt: new Date().toISOString(),
    grants: {},
    settings: {},
  };
}

function userVersion(db: DatabaseSync): number {
  return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
}

Deno.test("openHostDatabase() migrates an empty file to the current schema, once", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "host", "symphony.db");
  {
    using db = openHostDatabase(file, MIGRATIONS.slice(0, 0));
    assert.equal(userVersion(db), 0);
  }
  {
    using db = openHostDatabase(file);
    assert.equal(userVersion(db), SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all().map((row) => (row as { name: string }).name);
    assert.deepEqual(tables, [
      "artifact_blobs",
      "artifact_names",
      "artifact_shares",
      "artifact_tags",
      "artifact_versions",
      "audit",
      "dag_node_states",
      "dag_workflows",
      "extensions",
      "versions",
    ]);
  }
  // Opening again applies nothing twice (a second CREATE TABLE would throw).
  using again = openHostDatabase(file);
  assert.equal(userVersion(again), SCHEMA_VERSION);
});

Deno.test("openHostDatabase() refuses a database written by a newer host", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  {
    using db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  }
  assert.throws(() => openHostDatabase(file), /schema is version \d+, newer than this host's/);
});

Deno.test("openHostDatabase() leaves the previous version when a migration fails", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  assert.throws(
    () =>
      openHostDatabase(file, [
        ...MIGRATIONS,
        "CREATE TABLE extra (a); SELECT nonsense FROM nowhere;",
      ]),
    /no such table/,
  );
  using db = openHostDatabase(file);
  assert.equal(userVersion(db), SCHEMA_VERSION);
  assert.equal(
    db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()?.["n"],
    0,
  );
});

Deno.test("StateStore.update() writes all of a change or none of it", async () => {
  await using dir = await tempDir();
  using store = new StateStore(join(dir.path, "symphony.db"));
  await store.update((s) => ({ ...s, extensions: { "acme.a": record("acme.a") } }));
  await assert.rejects(
    store.update((s) => {
      s.extensions["acme.b"] = record("acme.b");
      throw new Error("the change failed halfway");
    }),
    /halfway/,
  );
  assert.deepEqual(Object.keys((await store.read()).extensions), ["acme.a"]);
});

Deno.test("StateStore keeps every installed version, for rollback", async () => {
  await using dir = await tempDir();
  using store = new StateStore(join(dir.path, "symphony.db"));
  for (const version of ["1.0.0", "1.1.0"]) {
    await store.update((s) => ({ ...s, extensions: { "acme.a": record("acme.a", version) } }));
  }
  await store.update((s) => ({ ...s, extensions: {} }));
  assert.deepEqual(store.versions("acme.a").map((v) => v.version), ["1.0.0", "1.1.0"]);
  assert.equal(store.versions("acme.a")[1]?.manifest.version, "1.1.0");
});

Deno.test("two host processes' stores never lose each other's updates", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "symphony.db");
  using first = new StateStore(file);
  using second = new StateStore(file);
  for (let i = 0; i < 20; i++) {
    const store = i % 2 === 0 ? first : second;
    await store.update((s) => ({
      ...s,
      extensions: { ...s.extensions, [`acme.e${i}`]: record(`acme.e${i}`) },
    }));
  }
  assert.equal(Object.keys((await first.read()).extensions).length, 20);
});

Deno.test("StateStore imports the state.json of an older host once", async () => {
  await using dir = await tempDir();
  const legacy = join(dir.path, "state.json");
  await Deno.writeTextFile(
    legacy,
    JSON.stringify({ version: 1, extensions: { "acme.old": record("acme.old") } }),
  );
  using store = new StateStore(join(dir.path, "symphony.db"), legacy);
  assert.deepEqual(Object.keys((await store.read()).extensions), ["acme.old"]);
  await assert.rejects(Deno.stat(legacy), Deno.errors.NotFound);
  await Deno.stat(`${legacy}.imported`);
});
