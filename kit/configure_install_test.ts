import assert from "node:assert/strict";
import type { InstalledExtension } from "../conductor/mod.ts";
import { writeExtension } from "../tests/extension_stage.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { configureInstall } from "./configure_install.ts";
import { verifyPackage } from "./verify_package.ts";

const MAIN = `export function activate() { return { run: () => 1 }; }`;
const SETTINGS = {
  indent: { type: "integer", default: 2, minimum: 0, maximum: 8 },
  style: { type: "enum", values: ["a", "b"], default: "a" },
};

Deno.test("configureInstall() starts a new install at the defaults, granting what the admin chose", async () => {
  await using dir = await tempDir();
  const verified = await verifyPackage(
    await writeExtension(dir.path, { id: "acme.conf", settings: SETTINGS, main: MAIN }),
  );
  const now = new Date("2026-01-02T03:04:05.000Z");
  const installed = configureInstall(verified, { placement: { codeDir: "extensions/c" }, now });
  assert.deepEqual(installed.settings, { indent: 2, style: "a" });
  assert.deepEqual(installed.grants, {});
  assert.equal(installed.installedAt, "2026-01-02T03:04:05.000Z");
  assert.deepEqual(installed.files, verified.files);
  assert.equal(installed.previous, undefined);
  // No choice: what it requests (an empty record); a choice: exactly that, per kind.
  const chosen = configureInstall(verified, {
    placement: { codeDir: "extensions/c" },
    grants: { env: ["LANG"] },
  });
  assert.deepEqual(chosen.grants, {
    read: [],
    write: [],
    net: [],
    env: ["LANG"],
    sys: [],
    run: [],
  });
});

Deno.test("configureInstall() of an update keeps the admin's decisions and the old version", async (t) => {
  await using dir = await tempDir();
  const old = configureInstall(
    await verifyPackage(
      await writeExtension(dir.path, {
        id: "acme.conf",
        settings: SETTINGS,
        permissions: { env: ["LANG"] },
        main: MAIN,
      }),
    ),
    { placement: { codeDir: "extensions/old" } },
  );
  const previous: InstalledExtension = {
    ...old,
    grants: { env: ["LANG"] },
    settings: { indent: 4, style: "b" },
    history: [{ at: "2026-01-01T00:00:00.000Z", event: "crashed", reason: "test" }],
    trust: "trusted",
  };
  await Deno.remove(`${dir.path}/acme.conf`, { recursive: true });
  await t.step("same permissions: enabled, grants and kept settings carried", async () => {
    const next = await verifyPackage(
      await writeExtension(dir.path, {
        id: "acme.conf",
        version: "1.1.0",
        settings: { indent: SETTINGS.indent, width: { type: "integer", default: 80 } },
        permissions: { env: ["LANG"] },
        main: MAIN,
      }),
    );
    const updated = configureInstall(next, { placement: { codeDir: "extensions/new" }, previous });
    assert.deepEqual(updated.grants, { env: ["LANG"] });
    assert.deepEqual(updated.settings, { indent: 4, width: 80 });
    assert.deepEqual(updated.history, previous.history);
    assert.equal(updated.trust, "trusted");
    assert.equal(updated.previous?.codeDir, "extensions/old");
    assert.equal(updated.previous?.previous, undefined);
    assert.equal(updated.disabled, undefined);
    await Deno.remove(`${dir.path}/acme.conf`, { recursive: true });
  });
  await t.step("new permissions: disabled with the reason", async () => {
    const next = await verifyPackage(
      await writeExtension(dir.path, {
        id: "acme.conf",
        version: "2.0.0",
        permissions: { env: ["LANG", "HOME"] },
        main: MAIN,
      }),
    );
    const updated = configureInstall(next, { placement: { codeDir: "extensions/2" }, previous });
    assert.match(updated.disabled?.reason ?? "", /new permissions \(env: HOME\)/);
    // Granted only when an admin enables it.
    assert.deepEqual(updated.grants, { env: ["LANG"] });
    assert.deepEqual(updated.disabled?.newPermissions, { env: ["HOME"] });
  });
});
