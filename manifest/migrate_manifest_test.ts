import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { CURRENT_MANIFEST_VERSION } from "./manifest_schema.ts";
import {
  MANIFEST_MIGRATIONS,
  type ManifestMigration,
  migrateManifest,
  type RawManifest,
} from "./migrate_manifest.ts";
import { validateManifest } from "./validate_manifest.ts";

const FIXTURE = new URL("../tests/fixtures/operator/extension.toml", import.meta.url);

async function loadFixture(): Promise<RawManifest> {
  return { ...parse(await Deno.readTextFile(FIXTURE)) };
}

/** A v1 → v2 step that renames `entry` to `main`, and a v2 → v3 step that nests `author`. */
function fakeChain(calls: string[]): ManifestMigration[] {
  return [
    {
      from: 1,
      migrate(manifest): RawManifest {
        calls.push(`1:${String(manifest["manifest_version"])}`);
        const { entry, ...rest } = manifest;
        return { ...rest, main: entry };
      },
    },
    {
      from: 2,
      migrate(manifest): RawManifest {
        calls.push(`2:${String(manifest["manifest_version"])}`);
        const { author, ...rest } = manifest;
        return { ...rest, authors: [{ name: author, renamed_main: manifest["main"] }] };
      },
    },
  ];
}

Deno.test("migrateManifest() passes a current v1 manifest through the real chain unchanged", async () => {
  assert.equal(CURRENT_MANIFEST_VERSION, 1);
  const raw = await loadFixture();
  assert.equal(raw["manifest_version"], 1);
  // A second parse, not structuredClone: smol-toml's tables have a null prototype.
  const before = await loadFixture();
  const result = migrateManifest(raw);
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.from, 1);
  assert.deepEqual(result.manifest, raw);
  assert.deepEqual(raw, before);
  // Explicitly with the real chain and target, the same.
  assert.deepEqual(
    migrateManifest(raw, { migrations: MANIFEST_MIGRATIONS, target: CURRENT_MANIFEST_VERSION }),
    { ok: true, manifest: raw, from: 1 },
  );
  // Unchanged in meaning: validation sees the same manifest either way.
  const original = validateManifest(raw, { hostVersion: "0.1.0" });
  assert.ok(original.ok, JSON.stringify(original));
  assert.deepEqual(validateManifest(result.manifest, { hostVersion: "0.1.0" }), original);
  assert.equal(original.manifest.id, "acme.formatter");
  assert.deepEqual(original.manifest.dependencies, { "acme.tokenizer": "^1.2.0" });
});

Deno.test("migrateManifest() runs each step of a chain in order up to the target", () => {
  const calls: string[] = [];
  const raw: RawManifest = {
    manifest_version: 1,
    id: "acme.x",
    entry: "main.ts",
    author: "ACME",
    keywords: ["a", "b"],
  };
  const before = structuredClone(raw);
  const result = migrateManifest(raw, { migrations: fakeChain(calls), target: 3 });
  assert.deepEqual(result, {
    ok: true,
    from: 1,
    manifest: {
      manifest_version: 3,
      id: "acme.x",
      main: "main.ts",
      authors: [{ name: "ACME", renamed_main: "main.ts" }],
      keywords: ["a", "b"],
    },
  });
  // Each step sees the version it reads: the runner bumps manifest_version between steps.
  assert.deepEqual(calls, ["1:1", "2:2"]);
  assert.deepEqual(raw, before);
});

Deno.test("migrateManifest() finds steps by version, not by their place in the chain", () => {
  const calls: string[] = [];
  const chain = fakeChain(calls).toReversed();
  const result = migrateManifest({ manifest_version: 1, entry: "e.ts", author: "A" }, {
    migrations: chain,
    target: 3,
  });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(calls, ["1:1", "2:2"]);
  assert.equal(result.manifest["manifest_version"], 3);
});

Deno.test("migrateManifest() runs only the steps a manifest needs", async (t) => {
  await t.step("from the middle of the chain", () => {
    const calls: string[] = [];
    const raw = { manifest_version: 2, main: "m.ts", author: "A" };
    const result = migrateManifest(raw, { migrations: fakeChain(calls), target: 3 });
    assert.deepEqual(result, {
      ok: true,
      from: 2,
      manifest: {
        manifest_version: 3,
        main: "m.ts",
        authors: [{ name: "A", renamed_main: "m.ts" }],
      },
    });
    assert.deepEqual(calls, ["2:2"]);
  });
  await t.step("already at the target", () => {
    const calls: string[] = [];
    const raw = { manifest_version: 3, id: "acme.x" };
    const result = migrateManifest(raw, { migrations: fakeChain(calls), target: 3 });
    assert.deepEqual(result, { ok: true, from: 3, manifest: raw });
    assert.deepEqual(calls, []);
  });
  await t.step("to an intermediate target", () => {
    const calls: string[] = [];
    const result = migrateManifest({ manifest_version: 1, entry: "e.ts" }, {
      migrations: fakeChain(calls),
      target: 2,
    });
    assert.deepEqual(result, {
      ok: true,
      from: 1,
      manifest: { manifest_version: 2, main: "e.ts" },
    });
    assert.deepEqual(calls, ["1:1"]);
  });
});

Deno.test("migrateManifest() rejects a bad manifest_version with a problem on that field", async (t) => {
  const cases: [string, RawManifest, RegExp][] = [
    ["missing", { id: "acme.x" }, /^is required; this host reads version 3$/],
    ["a string", { manifest_version: "1" }, /^must be a whole number from 1 to 3, got "1"$/],
    ["a fraction", { manifest_version: 1.5 }, /^must be a whole number from 1 to 3, got 1\.5$/],
    ["zero", { manifest_version: 0 }, /^must be a whole number from 1 to 3, got 0$/],
    ["negative", { manifest_version: -2 }, /^must be a whole number from 1 to 3, got -2$/],
    ["null", { manifest_version: null }, /^must be a whole number from 1 to 3, got null$/],
    ["a boolean", { manifest_version: true }, /^must be a whole number from 1 to 3, got true$/],
    [
      "newer than the target",
      { manifest_version: 4 },
      /^version 4 is newer than this host reads \(3\); update Symphony to use this extension$/,
    ],
  ];
  for (const [name, raw, message] of cases) {
    await t.step(name, () => {
      const calls: string[] = [];
      const result = migrateManifest(raw, { migrations: fakeChain(calls), target: 3 });
      assert.ok(!result.ok, JSON.stringify(result));
      assert.equal(result.problem.path, "manifest_version");
      assert.match(result.problem.message, message);
      assert.deepEqual(calls, []);
    });
  }
});

Deno.test("migrateManifest() checks manifest_version against the real target by default", () => {
  assert.deepEqual(migrateManifest({ id: "acme.x" }), {
    ok: false,
    problem: { path: "manifest_version", message: "is required; this host reads version 1" },
  });
  assert.deepEqual(migrateManifest({ manifest_version: 2 }), {
    ok: false,
    problem: {
      path: "manifest_version",
      message: "version 2 is newer than this host reads (1); update Symphony to use this extension",
    },
  });
  assert.deepEqual(migrateManifest({ manifest_version: 0 }), {
    ok: false,
    problem: { path: "manifest_version", message: "must be a whole number from 1 to 1, got 0" },
  });
});

Deno.test("migrateManifest() reports a gap in the chain with the version it cannot leave", async (t) => {
  await t.step("a missing middle step", () => {
    const calls: string[] = [];
    const [first] = fakeChain(calls);
    assert.ok(first !== undefined);
    const result = migrateManifest({ manifest_version: 1, entry: "e.ts" }, {
      migrations: [first],
      target: 3,
    });
    assert.deepEqual(result, {
      ok: false,
      problem: {
        path: "manifest_version",
        message: "cannot migrate from version 2: no migration",
      },
    });
  });
  await t.step("an empty chain", () => {
    const result = migrateManifest({ manifest_version: 1 }, { migrations: [], target: 2 });
    assert.deepEqual(result, {
      ok: false,
      problem: {
        path: "manifest_version",
        message: "cannot migrate from version 1: no migration",
      },
    });
  });
});

// TOML `manifest_version = nan` / `inf` parses to NaN and Infinity; the message must name them.
Deno.test("migrateManifest() names a NaN or infinite manifest_version as written", async (t) => {
  const cases: [number, RegExp][] = [
    [NaN, /^must be a whole number from 1 to 1, got NaN$/],
    [Infinity, /^must be a whole number from 1 to 1, got Infinity$/],
  ];
  for (const [value, message] of cases) {
    await t.step(String(value), () => {
      const raw = { ...parse(`manifest_version = ${value > 0 ? "inf" : "nan"}`) };
      assert.ok(Object.is(raw["manifest_version"], value));
      const result = migrateManifest(raw);
      assert.ok(!result.ok, JSON.stringify(result));
      assert.equal(result.problem.path, "manifest_version");
      assert.match(result.problem.message, message);
    });
  }
});

// validateManifest is documented never to throw, so a bigint must become a problem.
Deno.test("migrateManifest() reports a bigint manifest_version as a problem, not a throw", () => {
  const result = migrateManifest({ manifest_version: 1n });
  assert.ok(!result.ok, JSON.stringify(result, (_, v) => typeof v === "bigint" ? `${v}n` : v));
  assert.equal(result.problem.path, "manifest_version");
  assert.match(result.problem.message, /^must be a whole number from 1 to 1, got 1n?$/);
});
