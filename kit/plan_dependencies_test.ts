import assert from "node:assert/strict";
import { loadManifest, type Manifest } from "../manifest/mod.ts";
import { writeExtension } from "../tests/extension_stage.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { SymphonyError } from "../symphony_error.ts";
import { planDependencies } from "./plan_dependencies.ts";

const MAIN = `export function activate() { return { run: () => 1 }; }`;

async function manifestOf(path: string): Promise<Manifest> {
  const loaded = await loadManifest(path);
  assert.ok(loaded.ok);
  return loaded.manifest;
}

Deno.test("planDependencies() needs nothing when every dependency is installed", async () => {
  await using dir = await tempDir();
  const lib = await manifestOf(await writeExtension(dir.path, { id: "acme.lib", main: MAIN }));
  const app = await manifestOf(
    await writeExtension(dir.path, {
      id: "acme.app",
      dependencies: { "acme.lib": "^1.0.0" },
      main: MAIN,
    }),
  );
  assert.deepEqual(await planDependencies(app, { installed: [lib] }), []);
});

Deno.test("planDependencies() plans missing dependencies from a directory, deepest first", async () => {
  await using available = await tempDir();
  await using dir = await tempDir();
  await writeExtension(available.path, { id: "acme.base", main: MAIN });
  await writeExtension(available.path, {
    id: "acme.lib",
    dependencies: { "acme.base": "^1.0.0" },
    main: MAIN,
  });
  await writeExtension(available.path, { id: "acme.unrelated", main: MAIN });
  const app = await manifestOf(
    await writeExtension(dir.path, {
      id: "acme.app",
      dependencies: { "acme.lib": "^1.0.0" },
      main: MAIN,
    }),
  );
  const planned = await planDependencies(app, { installed: [], from: available.path });
  assert.deepEqual(planned.map((p) => p.manifest.id), ["acme.base", "acme.lib"]);
  assert.equal(planned[0]?.dir, `${await Deno.realPath(available.path)}/acme.base`);
});

Deno.test("planDependencies() names what cannot be satisfied", async (t) => {
  await using dir = await tempDir();
  const lib = await manifestOf(
    await writeExtension(dir.path, { id: "acme.lib", version: "1.0.0", main: MAIN }),
  );
  const app = await manifestOf(
    await writeExtension(dir.path, {
      id: "acme.app",
      dependencies: { "acme.lib": "^2.0.0" },
      main: MAIN,
    }),
  );
  await t.step("an installed version outside the range", async () => {
    await assert.rejects(
      planDependencies(app, { installed: [lib] }),
      (e) =>
        e instanceof SymphonyError && e.code === "DependencyError" && /acme\.lib/.test(e.message),
    );
  });
  await t.step("a dependency offered nowhere", async () => {
    await using empty = await tempDir();
    await assert.rejects(
      planDependencies(app, { installed: [], from: empty.path }),
      (e) =>
        e instanceof SymphonyError && e.code === "DependencyError" &&
        /or add it to/.test(e.message),
    );
  });
});
