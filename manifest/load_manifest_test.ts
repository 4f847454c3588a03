import assert from "node:assert/strict";
import { join } from "node:path";
import { SymphonyError } from "../symphony_error.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { formatProblem } from "./problem.ts";
import { type LoadedManifest, loadManifest, MAX_MANIFEST_BYTES } from "./load_manifest.ts";
import type { ManifestMigration } from "./migrate_manifest.ts";

const fixtures = new URL("../tests/fixtures/", import.meta.url).pathname;

const MINIMAL = `manifest_version = 1
id = "acme.formatter"
name = "Formatter"
version = "1.0.0"
type = "operator"
entry = "main.ts"
engines = { symphony = "^0.1.0" }

[operator]
functions = [{ name = "format" }]
`;

function problems(loaded: LoadedManifest): string[] {
  return loaded.ok ? [] : loaded.problems.map(formatProblem);
}

Deno.test("loadManifest() finds extension.toml or extension.json in a directory", async (t) => {
  for (
    const [name, id] of [["operator", "acme.formatter"], ["motif", "acme.word-count"]] as const
  ) {
    await t.step(name, async () => {
      const loaded = await loadManifest(join(fixtures, name));
      assert.ok(loaded.ok, problems(loaded).join("\n"));
      assert.equal(loaded.manifest.id, id);
      assert.equal(loaded.dir, join(fixtures, name));
    });
  }
  await t.step("a manifest file path", async () => {
    const loaded = await loadManifest(join(fixtures, "instrument", "extension.toml"));
    assert.ok(loaded.ok);
    assert.equal(loaded.manifest.entry, "src/main.ts");
  });
});

Deno.test("loadManifest() throws NotFound when there is no manifest", async () => {
  await using dir = await tempDir();
  await assert.rejects(loadManifest(join(dir.path, "missing")), (error: unknown) => {
    assert.ok(error instanceof SymphonyError);
    assert.equal(error.code, "NotFound");
    assert.match(error.message, /^Cannot read manifest: .*missing does not exist$/);
    return true;
  });
  await assert.rejects(loadManifest(dir.path), /has no extension\.toml or extension\.json/);
});

Deno.test("loadManifest() refuses a directory with both manifest files", async () => {
  await using dir = await tempDir();
  await dir.write("extension.toml", MINIMAL);
  await dir.write("extension.json", "{}");
  await assert.rejects(loadManifest(dir.path), (error: unknown) => {
    assert.ok(error instanceof SymphonyError);
    assert.equal(error.code, "InvalidManifest");
    assert.match(error.message, /has both extension\.toml and extension\.json; keep one/);
    return true;
  });
});

Deno.test("loadManifest() reports a TOML syntax error with its line and column", async () => {
  await using dir = await tempDir();
  await dir.write("main.ts", "");
  const file = await dir.write(
    "extension.toml",
    MINIMAL.replace('name = "Formatter"', "name = = 1"),
  );
  const loaded = await loadManifest(dir.path);
  assert.equal(loaded.file, file);
  assert.equal(problems(loaded).length, 1);
  assert.match(problems(loaded)[0] ?? "", /extension\.toml:3:8: invalid TOML: invalid value$/);
});

Deno.test("loadManifest() refuses files that are empty, too large, binary or of another type", async (t) => {
  await using dir = await tempDir();
  await t.step("empty", async () => {
    const path = await dir.write("empty/extension.toml", "");
    assert.match(
      problems(await loadManifest(path))[0] ?? "",
      /extension\.toml: the file is empty$/,
    );
  });
  await t.step("too large", async () => {
    const path = await dir.write("large/extension.toml", `# ${"x".repeat(MAX_MANIFEST_BYTES)}\n`);
    assert.match(
      problems(await loadManifest(path))[0] ?? "",
      /extension\.toml: is larger than 1048576 bytes, the most a manifest may be$/,
    );
  });
  await t.step("binary", async () => {
    const path = await dir.write(
      "binary/extension.toml",
      new Uint8Array([0x69, 0x64, 0xff, 0xfe, 0x00]),
    );
    assert.match(
      problems(await loadManifest(path))[0] ?? "",
      /extension\.toml: is not UTF-8 text$/,
    );
  });
  await t.step("another file type", async () => {
    const path = await dir.write("yaml/extension.yaml", "id: acme.x");
    assert.match(problems(await loadManifest(path))[0] ?? "", /must end in \.toml or \.json$/);
  });
});

Deno.test("loadManifest() checks that the entry module exists inside the directory", async (t) => {
  await using dir = await tempDir();
  await t.step("missing", async () => {
    await dir.write("missing/extension.toml", MINIMAL);
    assert.match(
      problems(await loadManifest(join(dir.path, "missing")))[0] ?? "",
      /^entry: the file main\.ts does not exist in /,
    );
  });
  await t.step("a directory", async () => {
    await dir.write("isdir/extension.toml", MINIMAL);
    await Deno.mkdir(join(dir.path, "isdir", "main.ts"));
    assert.deepEqual(problems(await loadManifest(join(dir.path, "isdir"))), [
      "entry: main.ts is not a file",
    ]);
  });
  await t.step("a symbolic link that leaves the directory", async () => {
    const outside = await dir.write("outside.ts", "export function activate() {}");
    await dir.write("linked/extension.toml", MINIMAL);
    await Deno.symlink(outside, join(dir.path, "linked", "main.ts"));
    assert.match(
      problems(await loadManifest(join(dir.path, "linked")))[0] ?? "",
      /^entry: main\.ts resolves outside the extension directory: .*outside\.ts$/,
    );
  });
});

Deno.test("loadManifest() merges extends: tables merge, this file wins, lists are replaced", async () => {
  await using dir = await tempDir();
  await dir.write(
    "base/grand.toml",
    `manifest_version = 1\nlicense = "MIT"\n[resources]\nmemory_mb = 64\ntimeout_ms = 1000\n`,
  );
  await dir.write(
    "base/extension.toml",
    `extends = "grand.toml"
author = "ACME"
type = "operator"
entry = "main.ts"
[permissions]
read = ["\${workspace}/src", "\${workspace}/docs"]
env = ["LANG"]
[resources]
timeout_ms = 2000
[operator]
functions = [{ name = "base" }]
`,
  );
  await dir.write(
    "ext/extension.toml",
    `extends = "../base/extension.toml"
id = "acme.child"
name = "Child"
version = "1.0.0"
engines = { symphony = "^0.1.0" }
[permissions]
read = ["\${workspace}/lib"]
[resources]
memory_mb = 256
`,
  );
  await dir.write("ext/main.ts", "export function activate() { return {}; }");
  const loaded = await loadManifest(join(dir.path, "ext"));
  assert.ok(loaded.ok, problems(loaded).join("\n"));
  const { manifest } = loaded;
  assert.equal(manifest.id, "acme.child");
  assert.equal(manifest.author, "ACME");
  assert.equal(manifest.license, "MIT");
  assert.deepEqual(manifest.permissions.read, ["${workspace}/lib"]);
  assert.deepEqual(manifest.permissions.env, ["LANG"]);
  assert.deepEqual(manifest.resources, {
    memory_mb: 256,
    timeout_ms: 2000,
    max_concurrency: 4,
    max_open_files: 256,
    instances: 1,
    leases: [],
  });
  assert.deepEqual(manifest.operator?.functions, [{ name: "base" }]);
  assert.equal(loaded.dir, join(dir.path, "ext"));
});

Deno.test("loadManifest() reports extends cycles and missing parents", async (t) => {
  await using dir = await tempDir();
  await t.step("a cycle", async () => {
    await dir.write("cycle/a.toml", `extends = "b.toml"\n`);
    await dir.write("cycle/b.toml", `extends = "a.toml"\n`);
    await dir.write("cycle/extension.toml", `extends = "a.toml"\n`);
    assert.deepEqual(problems(await loadManifest(join(dir.path, "cycle"))), [
      "extends: forms a cycle: extension.toml -> a.toml -> b.toml -> a.toml",
    ]);
  });
  await t.step("a file that extends itself", async () => {
    await dir.write("self/extension.toml", `extends = "extension.toml"\n`);
    assert.deepEqual(problems(await loadManifest(join(dir.path, "self"))), [
      "extends: forms a cycle: extension.toml -> extension.toml",
    ]);
  });
  await t.step("a missing parent", async () => {
    await dir.write("orphan/extension.toml", `extends = "../nowhere/extension.toml"\n`);
    assert.match(
      problems(await loadManifest(join(dir.path, "orphan")))[0] ?? "",
      /^extends: the parent manifest \.\.\/nowhere\/extension\.toml does not exist/,
    );
  });
  await t.step("a parent with a syntax error", async () => {
    await dir.write("broken/base.toml", "x = [1,\n");
    await dir.write("broken/extension.toml", `extends = "base.toml"\n`);
    assert.match(
      problems(await loadManifest(join(dir.path, "broken")))[0] ?? "",
      /^base\.toml:\d+:\d+: invalid TOML/,
    );
  });
  await t.step("extends that is not a path", async () => {
    await dir.write("number/extension.toml", `extends = 3\n`);
    assert.deepEqual(problems(await loadManifest(join(dir.path, "number"))), [
      "extends: must be the path of another manifest file",
    ]);
  });
});

Deno.test("loadManifest() keeps a __proto__ key a key when merging extends", async () => {
  await using dir = await tempDir();
  await dir.write("base.json", JSON.stringify({ manifest_version: 1 }));
  await dir.write("main.ts", "export function activate() { return {}; }");
  await dir.write(
    "extension.json",
    `{"extends": "base.json", "id": "acme.child", "name": "Child", "version": "1.0.0",
      "type": "operator", "entry": "main.ts", "operator": { "functions": [{ "name": "f" }] },
      "__proto__": { "permissions": { "run": ["sh"] } }}`,
  );
  assert.deepEqual(problems(await loadManifest(dir.path)), ["__proto__: unknown key"]);
});

Deno.test("loadManifest() accepts an entry whose name starts with two dots", async () => {
  await using dir = await tempDir();
  await dir.write(
    "extension.toml",
    MINIMAL.replace('entry = "main.ts"', 'entry = "..src/main.ts"'),
  );
  await dir.write("..src/main.ts", "export function activate() { return {}; }");
  const loaded = await loadManifest(dir.path);
  assert.ok(loaded.ok, problems(loaded).join("\n"));
  assert.equal(loaded.manifest.entry, "..src/main.ts");
});

Deno.test("loadManifest() migrates each file of an extends chain from its own version", async () => {
  // A pretend format 2 in which `author` became `authors`, a list.
  const migrations: ManifestMigration[] = [{
    from: 1,
    migrate: ({ author, ...rest }) => author === undefined ? rest : { ...rest, authors: [author] },
  }];
  await using dir = await tempDir();
  await dir.write("old.toml", `manifest_version = 1\nauthor = "ACME"\n`);
  await dir.write("versionless.toml", `extends = "old.toml"\nlicense = "MIT"\n`);
  await dir.write(
    "extension.toml",
    `extends = "versionless.toml"\nmanifest_version = 1\n${
      MINIMAL.replace("manifest_version = 1\n", "")
    }`,
  );
  await dir.write("main.ts", "export function activate() { return {}; }");
  const loaded = await loadManifest(dir.path, { migrations, target: 2 });
  // This host's schema reads format 1, so format 2 is refused; the problem shows the merge happened.
  assert.deepEqual(problems(loaded), [
    "manifest_version: must be 1, got number 2",
    'authors: unknown key (did you mean "author"?)',
  ]);

  await dir.write("bad.toml", `manifest_version = 7\n`);
  await dir.write("bad/extension.toml", `extends = "../bad.toml"\n`);
  assert.deepEqual(problems(await loadManifest(join(dir.path, "bad"), { migrations, target: 2 })), [
    "manifest_version: version 7 is newer than this host reads (2); update Symphony to use this extension (in ../bad.toml)",
  ]);
});
