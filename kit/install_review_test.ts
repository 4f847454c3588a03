import assert from "node:assert/strict";
import type { InstalledExtension } from "../conductor/mod.ts";
import { type Manifest, validateManifest } from "../manifest/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import { installReview } from "./install_review.ts";

function manifest(version: string, permissions: Record<string, string[]>): Manifest {
  const result = validateManifest({
    manifest_version: 1,
    id: "acme.reviewed",
    name: "Reviewed",
    version,
    type: "operator",
    entry: "main.ts",
    permissions,
    operator: { functions: [{ name: "f" }] },
  });
  assert.ok(result.ok);
  return result.manifest;
}

function installedAt(m: Manifest): InstalledExtension {
  return { id: m.id, version: m.version, manifest: m, installedAt: "", grants: {}, settings: {} };
}

Deno.test("installReview() of a new install says what it may do and adds nothing", () => {
  const review = installReview(manifest("1.0.0", { net: ["api.example.com"] }));
  assert.deepEqual(review.added, []);
  assert.match(review.text, /api\.example\.com/);
  assert.doesNotMatch(review.text, /Update of/);
});

Deno.test("installReview() lists programs to run among what it asks, never as not asked", () => {
  const review = installReview(manifest("1.0.0", { run: ["/usr/bin/git"] }));
  assert.match(
    review.text,
    /^ {2}run {5}\/usr\/bin\/git \(only if an admin grants it, on the enterprise tier\)$/m,
  );
  assert.doesNotMatch(review.text, /did not ask to:.*run programs/);
  assert.match(review.text, /permissions\.run\[0\]: runs the program "\/usr\/bin\/git"/);
  assert.match(installReview(manifest("1.0.0", {})).text, /did not ask to:.*run programs/);
});

Deno.test("installReview() of an update shows the difference plainly", async (t) => {
  const old = installedAt(manifest("1.0.0", { env: ["LANG"] }));
  await t.step("no new permissions", () => {
    const review = installReview(manifest("1.1.0", { env: ["LANG"] }), old);
    assert.deepEqual(review.added, []);
    assert.match(
      review.text,
      /^Update of acme\.reviewed from 1\.0\.0 to 1\.1\.0\.\nIt asks for no new permissions\./,
    );
  });
  await t.step("new permissions leave it disabled until enabled", () => {
    const review = installReview(manifest("2.0.0", { env: ["LANG", "HOME"], net: ["x.org"] }), old);
    assert.deepEqual(review.added, ["net: x.org", "env: HOME"]);
    assert.match(review.text, /NEW permissions: net: x\.org, env: HOME/);
    assert.match(review.text, /stay disabled until an admin runs symphony enable acme\.reviewed/);
  });
  await t.step("the installed version itself is refused", () => {
    assert.throws(
      () => installReview(manifest("1.0.0", {}), old),
      (e) => e instanceof SymphonyError && e.code === "InvalidInput",
    );
  });
});

Deno.test("installReview() names the shared resources an extension may lease", () => {
  const result = validateManifest({
    manifest_version: 1,
    id: "acme.leaser",
    name: "Leaser",
    version: "1.0.0",
    type: "operator",
    entry: "main.ts",
    resources: { leases: ["gpu", "net:api.example.com"] },
    operator: { functions: [{ name: "f" }] },
  });
  assert.ok(result.ok);
  assert.match(
    installReview(result.manifest).text,
    /^It may lease the shared resources gpu, net:api\.example\.com \(once an admin trusts it\)\.$/m,
  );
});
