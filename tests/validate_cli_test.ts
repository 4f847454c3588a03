// The `validate` command as a user runs it: `deno task symphony validate ...`
// in a child process, with the task's own permissions.
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURES, type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

const fixtures = FIXTURES;

function symphony(...args: string[]): Promise<Run> {
  return runSymphony(args);
}

function assertNoStackTrace(run: Run): void {
  const all = run.stdout + run.stderr;
  assert.doesNotMatch(all, /^\s+at /m, `stack trace in output:\n${all}`);
  assert.doesNotMatch(all, /Uncaught|panicked|RUST_BACKTRACE/, `crash in output:\n${all}`);
}

Deno.test("symphony validate prints a one-line summary and exits 0 for a valid manifest", async () => {
  const run = await symphony("validate", join(fixtures, "operator"));
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.split("\n").filter(Boolean).length, 1);
  assert.match(run.stdout, /^valid: acme\.formatter@1\.2\.0 \(operator\) in .*extension\.toml\n$/);
});

Deno.test("symphony validate prints one line per problem and exits 1 for an invalid manifest", async () => {
  await using dir = await tempDir();
  await dir.write(
    "extension.toml",
    `manifest_version = 1
id = "acme.bad"
name = "Bad"
version = "1.0"
type = "operator"
entry = "main.ts"
[permissions]
read = ["\${workspace}/../../etc"]
wrte = ["\${ext_data}"]
[operator]
functions = [{ name = "f" }]
`,
  );
  const run = await symphony("validate", dir.path);
  assert.equal(run.code, 1);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), [
    'version: "1.0" is not a semantic version such as "1.2.0"',
    'permissions.read[0]: path leaves ${workspace} after resolving "..": /etc',
    'permissions.wrte: unknown key (did you mean "write"?)',
  ]);
  assert.match(
    run.stderr,
    /^error\[InvalidManifest\]: Cannot validate .*extension\.toml: 3 problems\n$/,
  );
  assertNoStackTrace(run);
});

Deno.test("symphony validate --json prints one JSON object", async () => {
  const valid = await symphony("validate", join(fixtures, "motif"), "--json");
  assert.equal(valid.code, 0);
  const report = JSON.parse(valid.stdout);
  assert.equal(report.valid, true);
  assert.equal(report.id, "acme.word-count");
  assert.deepEqual(report.escapes, []);

  await using dir = await tempDir();
  await dir.write("extension.json", JSON.stringify({ manifest_version: 1, id: "x" }));
  const invalid = await symphony("validate", dir.path, "--json");
  assert.equal(invalid.code, 1);
  const failure = JSON.parse(invalid.stdout);
  assert.equal(failure.valid, false);
  assert.equal(failure.error.code, "InvalidManifest");
  assert.ok(failure.problems.some((p: { path: string }) => p.path === "id"));
});

Deno.test("symphony validate reports sandbox escapes and warnings on stderr", async () => {
  await using dir = await tempDir();
  await dir.write("main.ts", "export function activate() { return {}; }");
  await dir.write(
    "extension.json",
    JSON.stringify({
      manifest_version: 1,
      id: "acme.runner",
      name: "Runner",
      version: "1.0.0",
      type: "operator",
      entry: "main.ts",
      permissions: { run: ["git"], net: ["*"] },
      operator: { functions: [{ name: "run" }] },
    }),
  );
  const run = await symphony("validate", dir.path);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^valid: acme\.runner@1\.0\.0 \(operator\) in .*, 3 notes on stderr\n$/);
  assert.match(run.stderr, /^warning: engines\.symphony: is not declared/m);
  assert.match(
    run.stderr,
    /^escapes the sandbox: permissions\.net\[0\]: reaches any host on the network$/m,
  );
  assert.match(run.stderr, /^escapes the sandbox: permissions\.run\[0\]: runs the program "git"/m);
});

Deno.test("symphony validate never prints a stack trace, whatever the input", async (t) => {
  await using dir = await tempDir();
  const random = new Uint8Array(4096);
  let seed = 7;
  for (let i = 0; i < random.length; i++) {
    random[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  }
  const wrongTypes = {
    manifest_version: "1",
    id: 42,
    name: [],
    version: { major: 1 },
    type: true,
    entry: null,
    permissions: ["read"],
    resources: "big",
    dependencies: [1, 2],
    events: 0,
    settings: "none",
    operator: [],
  };
  const inputs: [string, string, string | Uint8Array, RegExp][] = [
    ["an empty file", "extension.toml", "", /extension\.toml: the file is empty/],
    ["binary bytes", "extension.toml", random, /extension\.toml: (is not UTF-8 text|invalid TOML)/],
    [
      "a 10 MB file",
      "extension.toml",
      `id = "${"x".repeat(10 * 1024 * 1024)}"`,
      /is larger than 1048576 bytes, the most a manifest may be$/m,
    ],
    [
      "deeply nested TOML arrays",
      "extension.toml",
      `a = ${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      /invalid TOML/,
    ],
    [
      "deeply nested dotted keys",
      "extension.toml",
      `${"a.".repeat(50_000)}b = 1`,
      /is nested more than 32 levels deep/,
    ],
    [
      "deeply nested JSON",
      "extension.json",
      `${"[".repeat(500_000)}${"]".repeat(500_000)}`,
      /^extension\.json: must hold a table of fields/,
    ],
    [
      "deeply nested JSON tables",
      "extension.json",
      `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`,
      /^a\.a\.a\.\.\.: is nested more than 32 levels deep$/m,
    ],
    [
      "wrong types everywhere",
      "extension.json",
      JSON.stringify(wrongTypes),
      /^id: expected a string, got number 42$/m,
    ],
    ["a JSON array", "extension.json", "[1, 2, 3]", /must hold a table of fields/],
    ["JSON null", "extension.json", "null", /must hold a table of fields/],
  ];
  for (const [name, file, content, expected] of inputs) {
    await t.step(name, async () => {
      const path = await dir.write(`${name.replaceAll(" ", "-")}/${file}`, content);
      const run = await symphony("validate", path);
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, expected);
      assert.match(run.stderr, /^error\[InvalidManifest\]: Cannot validate /);
      assertNoStackTrace(run);
    });
  }
});

Deno.test("symphony reports bad arguments and missing paths as contract errors", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["validate", "/nonexistent/extension"],
      /^error\[NotFound\]: Cannot read manifest: \/nonexistent\/extension does not exist\n$/,
    ],
    [["validate"], /^error\[InvalidInput\]: Cannot validate: expected one path, got 0/],
    [["validate", "a", "b"], /^error\[InvalidInput\]: Cannot validate: expected one path, got 2/],
    [
      ["validate", "--frobnicate", "."],
      /^error\[InvalidInput\]: Cannot parse arguments: Unknown option '--frobnicate'/,
    ],
    [
      ["frobnicate"],
      /^error\[InvalidInput\]: Cannot run "frobnicate": unknown command; commands: validate, install, list, call, update, rollback, uninstall, enable, disable, suspend, resume, grants, grant, revoke, trust, settings, audit, gc, dev\n$/,
    ],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), async () => {
      const run = await symphony(...args);
      assert.equal(run.code, 1);
      assert.match(run.stderr, expected);
      assertNoStackTrace(run);
    });
  }
  await t.step("--json puts the error on stdout", async () => {
    const run = await symphony("validate", "/nonexistent/extension", "--json");
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.stdout), {
      error: {
        code: "NotFound",
        message: "Cannot read manifest: /nonexistent/extension does not exist",
      },
    });
  });
});

Deno.test("symphony --help and validate --help describe the commands", async () => {
  const main = await symphony("--help");
  assert.equal(main.code, 0);
  assert.match(main.stdout, /^Usage: symphony <command>/);
  assert.match(main.stdout, /^ {2}validate {4}check an extension's manifest$/m);
  const validate = await symphony("validate", "--help");
  assert.equal(validate.code, 0);
  assert.match(validate.stdout, /^Usage: symphony validate <dir or manifest> \[--json\]/);
  assert.match(validate.stdout, /Exit status: 0 valid, 1 invalid or unreadable\./);
});

Deno.test("symphony validate refuses pipes and devices instead of waiting on them", async (t) => {
  await using dir = await tempDir();
  const mkfifo = (path: string) => new Deno.Command("mkfifo", { args: [path] }).output();
  await t.step("a pipe as the manifest", async () => {
    await Deno.mkdir(join(dir.path, "pipe"));
    await mkfifo(join(dir.path, "pipe", "extension.toml"));
    const run = await symphony("validate", join(dir.path, "pipe", "extension.toml"));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^extension\.toml: is not a regular file$/m);
  });
  await t.step("a pipe as the parent", async () => {
    await dir.write("parent-pipe/extension.toml", `extends = "base.toml"\n`);
    await mkfifo(join(dir.path, "parent-pipe", "base.toml"));
    const run = await symphony("validate", join(dir.path, "parent-pipe"));
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^extends: the parent manifest base\.toml is not a file \(in extension\.toml\)$/m,
    );
  });
  await t.step("a link to /dev/zero as the parent", async () => {
    await dir.write("parent-zero/extension.toml", `extends = "base.toml"\n`);
    await Deno.symlink("/dev/zero", join(dir.path, "parent-zero", "base.toml"));
    const run = await symphony("validate", join(dir.path, "parent-zero"));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^extends: the parent manifest base\.toml is not a file/m);
  });
});
