import assert from "node:assert/strict";
import { sandboxEscapes } from "./sandbox_escapes.ts";
import { validateManifest } from "./validate_manifest.ts";

function escapesOf(permissions: Record<string, string[]>): string[] {
  const result = validateManifest({
    manifest_version: 1,
    id: "acme.formatter",
    name: "Formatter",
    version: "1.0.0",
    type: "operator",
    entry: "main.ts",
    permissions,
    operator: { functions: [{ name: "format" }] },
  });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.escapes, sandboxEscapes(result.manifest));
  return result.escapes.map((e) => `${e.path} ${e.value}: ${e.reason}`);
}

Deno.test("sandboxEscapes() flags run and wildcard requests", () => {
  assert.deepEqual(escapesOf({ read: ["*"], write: ["/"], net: ["*"], env: ["*"], run: ["git"] }), [
    "permissions.read[0] *: reads the whole file system",
    "permissions.write[0] /: writes the whole file system",
    "permissions.net[0] *: reaches any host on the network",
    "permissions.env[0] *: reads every environment variable, secrets included",
    'permissions.run[0] git: runs the program "git" outside the sandbox',
  ]);
});

Deno.test("sandboxEscapes() flags absolute paths, which lie outside the extension's world", () => {
  assert.deepEqual(escapesOf({ read: ["${workspace}/src", "/home/user/.ssh"], write: ["/tmp/"] }), [
    "permissions.read[1] /home/user/.ssh: reads /home/user/.ssh, outside the workspace and its own directories",
    "permissions.write[0] /tmp: writes /tmp, outside the workspace and its own directories",
  ]);
});

Deno.test("sandboxEscapes() flags hosts on this machine and on non-public networks", () => {
  assert.deepEqual(
    escapesOf({ net: ["api.example.com", "localhost:7777", "169.254.169.254", "10.0.0.5"] }),
    [
      "permissions.net[1] localhost:7777: reaches this machine itself, where the host and other local services listen",
      "permissions.net[2] 169.254.169.254: reaches link-local addresses, where cloud metadata services answer",
      "permissions.net[3] 10.0.0.5: reaches the private network behind this machine",
    ],
  );
});

Deno.test("sandboxEscapes() finds nothing in requests that stay inside", () => {
  assert.deepEqual(
    escapesOf({
      read: ["${workspace}", "${ext_dir}/assets"],
      write: ["${ext_data}", "${tmp}"],
      net: ["api.example.com:443"],
      env: ["LANG"],
    }),
    [],
  );
});
