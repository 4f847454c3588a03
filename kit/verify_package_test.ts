import assert from "node:assert/strict";
import { writeExtension } from "../tests/extension_stage.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { SymphonyError } from "../symphony_error.ts";
import { sha256Hex, verifyPackage } from "./verify_package.ts";

const MAIN = `export function activate() { return { run: () => 1 }; }`;

Deno.test("verifyPackage() records the SHA-256 of every file, nested ones too", async () => {
  await using dir = await tempDir();
  const path = await writeExtension(dir.path, { id: "acme.verified", main: MAIN });
  await dir.write("acme.verified/lib/util.ts", "export const x = 1;\n");
  const verified = await verifyPackage(path);
  assert.equal(verified.manifest.id, "acme.verified");
  assert.deepEqual(Object.keys(verified.files).sort(), [
    "extension.json",
    "lib/util.ts",
    "main.ts",
  ]);
  assert.equal(
    verified.files["lib/util.ts"],
    await sha256Hex(new TextEncoder().encode("export const x = 1;\n")),
  );
});

Deno.test("verifyPackage() refuses what must not be installed", async (t) => {
  await using dir = await tempDir();
  await t.step("an invalid manifest, naming the field", async () => {
    const path = await writeExtension(dir.path, { id: "acme.bad", main: MAIN });
    await Deno.writeTextFile(`${path}/extension.json`, JSON.stringify({ id: "acme.bad" }));
    await assert.rejects(
      verifyPackage(path),
      (e) =>
        e instanceof SymphonyError && e.code === "InvalidManifest" && /version/.test(e.message),
    );
  });
  await t.step("a request to run programs", async () => {
    const path = await writeExtension(dir.path, {
      id: "acme.runner",
      permissions: { run: ["git"] },
      main: MAIN,
    });
    await assert.rejects(
      verifyPackage(path),
      (e) => e instanceof SymphonyError && e.code === "PermissionDenied" && /git/.test(e.message),
    );
  });
  await t.step("a symbolic link in the package", async () => {
    const path = await writeExtension(dir.path, { id: "acme.linked", main: MAIN });
    await Deno.symlink("/etc/passwd", `${path}/passwd`);
    await assert.rejects(
      verifyPackage(path),
      (e) => e instanceof SymphonyError && e.code === "InvalidManifest" && /link/.test(e.message),
    );
  });
});
