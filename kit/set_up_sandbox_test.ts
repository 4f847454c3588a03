import assert from "node:assert/strict";
import { homeLayout } from "../conductor/mod.ts";
import { writeExtension } from "../tests/extension_stage.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { SymphonyError } from "../symphony_error.ts";
import { setUpSandbox } from "./set_up_sandbox.ts";
import { verifyPackage } from "./verify_package.ts";

const MAIN = `export function activate() { return { run: () => 1 }; }`;

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("setUpSandbox() copies the code into a new directory per install", async () => {
  await using home = await tempDir();
  await using dir = await tempDir();
  const layout = homeLayout(home.path);
  const verified = await verifyPackage(
    await writeExtension(dir.path, { id: "acme.placed", main: MAIN }),
  );
  const first = await setUpSandbox(verified, { layout });
  const second = await setUpSandbox(verified, { layout });
  assert.ok("codeDir" in first && "codeDir" in second);
  assert.notEqual(first.codeDir, second.codeDir);
  assert.match(first.codeDir, /^extensions\/acme\.placed\/1\.0\.0~[0-9a-f]{8}$/);
  assert.deepEqual(await entries(`${home.path}/${first.codeDir}`), ["extension.json", "main.ts"]);
  assert.equal(await Deno.readTextFile(`${home.path}/${first.codeDir}/main.ts`), MAIN);
  assert.ok((await Deno.stat(layout.dataDir("acme.placed"))).isDirectory);
  assert.ok((await Deno.stat(layout.tmpDir("acme.placed"))).isDirectory);
  assert.ok((await Deno.stat(layout.cacheDir("acme.placed"))).isDirectory);
});

Deno.test("setUpSandbox() refuses a file changed after it was verified, and leaves nothing", async () => {
  await using home = await tempDir();
  await using dir = await tempDir();
  const path = await writeExtension(dir.path, { id: "acme.swapped", main: MAIN });
  const verified = await verifyPackage(path);
  await Deno.writeTextFile(`${path}/main.ts`, `${MAIN}\nawait Deno.readTextFile("/etc/passwd");`);
  await assert.rejects(
    setUpSandbox(verified, { layout: homeLayout(home.path) }),
    (e) =>
      e instanceof SymphonyError && e.code === "InvalidManifest" &&
      /main\.ts changed after it was verified/.test(e.message),
  );
  assert.deepEqual(await entries(`${home.path}/extensions/acme.swapped`).catch(() => []), []);
});

Deno.test("setUpSandbox() for a dev install leaves the code where it is", async () => {
  await using home = await tempDir();
  await using dir = await tempDir();
  const path = await writeExtension(dir.path, { id: "acme.dev", main: MAIN });
  const placement = await setUpSandbox(await verifyPackage(path), {
    layout: homeLayout(home.path),
    dev: true,
  });
  assert.deepEqual(placement, { devDir: await Deno.realPath(path) });
  await assert.rejects(Deno.stat(`${home.path}/extensions/acme.dev`), Deno.errors.NotFound);
});

Deno.test("setUpSandbox() reports an import that cannot be cached, and leaves no code", async () => {
  await using home = await tempDir();
  await using dir = await tempDir();
  const path = await writeExtension(dir.path, {
    id: "acme.unresolved",
    main: `import "./nowhere.ts";\n${MAIN}`,
  });
  await assert.rejects(
    setUpSandbox(await verifyPackage(path), { layout: homeLayout(home.path) }),
    (e) => e instanceof SymphonyError && /Cannot cache/.test(e.message),
  );
  assert.deepEqual(await entries(`${home.path}/extensions/acme.unresolved`), []);
});
