import assert from "node:assert/strict";
import { Conductor } from "../conductor/mod.ts";
import { writeExtension } from "../tests/extension_stage.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { configureInstall } from "./configure_install.ts";
import { registerInstall } from "./register_install.ts";
import { setUpSandbox } from "./set_up_sandbox.ts";
import { verifyPackage } from "./verify_package.ts";

const MAIN = `export function activate() { return { run: () => "v1" }; }`;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("registerInstall() commits the record with its audit record, then activates on first use", async () => {
  await using home = await tempDir();
  await using workspace = await tempDir();
  await using dir = await tempDir();
  await using conductor = new Conductor({ home: home.path, workspace: workspace.path });
  const verified = await verifyPackage(
    await writeExtension(dir.path, { id: "acme.registered", main: MAIN }),
  );
  const placement = await setUpSandbox(verified, { layout: conductor.layout });
  assert.deepEqual(await conductor.list(), []);
  await registerInstall(conductor, configureInstall(verified, { placement }), { actor: "cli:t" });

  assert.deepEqual((await conductor.list()).map((e) => e.id), ["acme.registered"]);
  const [record] = conductor.audit.list({ kind: "install" });
  assert.equal(record?.extension, "acme.registered");
  assert.equal(record?.actor, "cli:t");
  assert.equal((await conductor.audit.verify()).ok, true);
  // Activation is on first use: nothing runs until the first call.
  assert.equal(conductor.isRunning("acme.registered"), false);
  assert.equal(await conductor.call("acme.registered", "run", null), "v1");
  assert.equal(conductor.isRunning("acme.registered"), true);
  await conductor.stopAll();
});

Deno.test("registerInstall() of a reinstall stops the old process and removes the code it replaced", async () => {
  await using home = await tempDir();
  await using workspace = await tempDir();
  await using dir = await tempDir();
  await using conductor = new Conductor({ home: home.path, workspace: workspace.path });
  const path = await writeExtension(dir.path, { id: "acme.re", main: MAIN });
  const install = async (): Promise<string> => {
    const verified = await verifyPackage(path);
    const placement = await setUpSandbox(verified, { layout: conductor.layout });
    await registerInstall(conductor, configureInstall(verified, { placement }), { actor: "t" });
    assert.ok("codeDir" in placement);
    return placement.codeDir;
  };
  const first = await install();
  assert.equal(await conductor.call("acme.re", "run", null), "v1");
  await Deno.writeTextFile(`${path}/main.ts`, MAIN.replace("v1", "v2"));
  const second = await install();
  assert.equal(await exists(`${home.path}/${first}`), false);
  assert.equal(await exists(`${home.path}/${second}/main.ts`), true);
  assert.equal(await conductor.call("acme.re", "run", null), "v2");
  assert.equal(conductor.audit.list({ kind: "install" }).length, 2);
  await conductor.stopAll();
});
