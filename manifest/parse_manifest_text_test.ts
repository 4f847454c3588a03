import assert from "node:assert/strict";
import { parseManifestText } from "./parse_manifest_text.ts";

Deno.test("parseManifestText() reads TOML and JSON into the same fields", () => {
  const toml = parseManifestText('id = "acme.x"\n[permissions]\nread = ["${workspace}"]\n', {
    format: "toml",
  });
  const json = parseManifestText('{"id": "acme.x", "permissions": {"read": ["${workspace}"]}}', {
    format: "json",
  });
  assert.ok(toml.ok && json.ok);
  assert.deepEqual(
    { ...toml.raw, permissions: { ...toml.raw["permissions"] as object } },
    json.raw,
  );
});

Deno.test("parseManifestText() reports where TOML syntax breaks", () => {
  const result = parseManifestText('id = "acme.x"\n\n[permissions\nread = []', {
    format: "toml",
    file: "a.toml",
  });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.problem.path, "a.toml:3:13");
  assert.match(!result.ok ? result.problem.message : "", /^invalid TOML: /);
});

Deno.test("parseManifestText() reports JSON errors without quoting the text", () => {
  const secret = "AKIA-not-a-manifest";
  const result = parseManifestText(`${secret} = 1`, { format: "json", file: "creds.json" });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.problem.path, "creds.json");
  assert.equal(!result.ok && result.problem.message, "invalid JSON: Unexpected token 'A'");
  const truncated = parseManifestText('{"id": "acme.x",\n "name": ', { format: "json" });
  assert.deepEqual(truncated, {
    ok: false,
    problem: { path: "extension.json", message: "invalid JSON: Unexpected end of JSON input" },
  });
});

Deno.test("parseManifestText() refuses empty text and documents that are not tables", async (t) => {
  const cases: [string, "toml" | "json", string][] = [
    ["", "toml", "the file is empty"],
    [" \n\t", "json", "the file is empty"],
    ["[1, 2]", "json", 'must hold a table of fields, such as { "id": "acme.x" }'],
    ['"id"', "json", 'must hold a table of fields, such as { "id": "acme.x" }'],
  ];
  for (const [text, format, message] of cases) {
    await t.step(JSON.stringify(text), () => {
      const result = parseManifestText(text, { format });
      assert.deepEqual(result, { ok: false, problem: { path: `extension.${format}`, message } });
    });
  }
});
