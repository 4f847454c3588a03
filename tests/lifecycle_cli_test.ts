// install, list, call and uninstall as a user runs them: `deno task symphony`
// in a child process, against a temporary $SYMPHONY_HOME.
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURES, ROOT, type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

const root = ROOT;
const fixtures = FIXTURES;

function symphony(home: string, ...args: string[]): Promise<Run> {
  return runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: root });
}

Deno.test("install, list, call and uninstall an extension from the command line", async (t) => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const motif = join(fixtures, "motif");

  await t.step(
    "install without --yes and without a terminal exits 2 and installs nothing",
    async () => {
      const run = await symphony(home, "install", motif);
      assert.equal(run.code, 2);
      assert.match(
        run.stdout,
        /^Word Count \(acme\.word-count 2\.0\.0, motif\) asks to:\n {2}read {4}the workspace\n/,
      );
      assert.match(
        run.stdout,
        /It did not ask to: write outside its own data directory, reach the network/,
      );
      assert.match(
        run.stderr,
        /error\[PermissionDenied\]: Cannot install: the permission review was not confirmed; pass --yes/,
      );
      assert.equal((await symphony(home, "list")).stdout, "no extensions installed\n");
    },
  );

  await t.step("install --yes installs it", async () => {
    const run = await symphony(home, "install", motif, "--yes");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^installed acme\.word-count 2\.0\.0 \(motif\)$/m);
    assert.match(run.stderr, /^Copying 3 files$/m);
  });

  await t.step("list shows version, type, state and trust tier", async () => {
    const run = await symphony(home, "list");
    assert.equal(
      run.stdout,
      "ID               VERSION  TYPE   STATE      TRUST\nacme.word-count  2.0.0    motif  installed  community\n",
    );
    const json = JSON.parse((await symphony(home, "list", "--json")).stdout);
    assert.deepEqual(json, [{
      id: "acme.word-count",
      version: "2.0.0",
      type: "motif",
      state: "installed",
      trust: "community",
    }]);
  });

  await t.step("call prints the JSON result", async () => {
    const run = await symphony(
      home,
      "call",
      "acme.word-count",
      "count",
      "--input",
      '{"text":"one two\\nthree"}',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { words: 3, lines: 2 });
  });

  await t.step("call reports errors with the contract's codes", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["call", "acme.word-count", "nope"],
        /^error\[NotFound\]: Cannot call acme\.word-count nope: it has no such method \(it has count\)$/m,
      ],
      [
        ["call", "acme.none", "count"],
        /^error\[NotFound\]: Cannot find acme\.none: acme\.none is not installed$/m,
      ],
      [
        ["call", "acme.word-count", "count", "--input", "{oops"],
        /^error\[InvalidInput\]: Cannot call acme\.word-count count: --input is not JSON$/m,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await symphony(home, ...args);
      assert.equal(run.code, 1);
      assert.match(run.stderr, message);
    }
  });

  await t.step(
    "install refuses an invalid manifest and an extension whose dependency is missing",
    async () => {
      const invalid = await symphony(home, "install", join(dir.path, "nowhere"), "--yes");
      assert.equal(invalid.code, 1);
      assert.match(
        invalid.stderr,
        /^error\[NotFound\]: Cannot read manifest: .*nowhere does not exist$/m,
      );
      const needy = await symphony(home, "install", join(fixtures, "operator"), "--yes");
      assert.equal(needy.code, 1);
      assert.match(
        needy.stderr,
        /^error\[DependencyError\]: Cannot install acme\.formatter: acme\.tokenizer is not available, but acme\.formatter@1\.2\.0 requires \^1\.2\.0; install what it needs first$/m,
      );
    },
  );

  await t.step(
    "uninstall removes the code, data, cache and tmp and archives the settings",
    async () => {
      // Each exists (writing into it fails otherwise) and holds a file, as a used one would.
      const own = ["data", "cache", "tmp"].map((kind) => join(home, kind, "acme.word-count"));
      for (const path of own) await Deno.writeTextFile(join(path, "left.txt"), "left behind?");
      assert.ok((await Deno.stat(join(home, "extensions", "acme.word-count"))).isDirectory);
      const run = await symphony(home, "uninstall", "acme.word-count");
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /^uninstalled acme\.word-count 2\.0\.0; settings archived in .*host\/archive\/acme\.word-count-2\.0\.0-\d+\.json; its data removed$/m,
      );
      for (const path of [...own, join(home, "extensions", "acme.word-count")]) {
        await assert.rejects(Deno.stat(path), Deno.errors.NotFound, `${path} is still there`);
      }
      const [archive] = await Array.fromAsync(Deno.readDir(join(home, "host", "archive")));
      const archived = JSON.parse(
        await Deno.readTextFile(join(home, "host", "archive", archive?.name ?? "")),
      );
      assert.deepEqual(archived.settings, { show_lines: true, ignore: ["*.lock"] });
      assert.equal((await symphony(home, "list")).stdout, "no extensions installed\n");
      const again = await symphony(home, "uninstall", "acme.word-count");
      assert.equal(again.code, 1);
      assert.match(
        again.stderr,
        /^error\[NotFound\]: Cannot find acme\.word-count: acme\.word-count is not installed$/m,
      );
    },
  );
});

Deno.test("every command has --help", async (t) => {
  await using dir = await tempDir();
  for (const command of ["install", "list", "call", "uninstall", "validate"]) {
    await t.step(command, async () => {
      const run = await symphony(dir.path, command, "--help");
      assert.equal(run.code, 0);
      assert.match(run.stdout, new RegExp(`^Usage: symphony ${command}`));
    });
  }
});

Deno.test("what an extension prints cannot drive the user's terminal", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  await dir.write(
    "ext/main.ts",
    `export function activate() {
    return {
      run: () => {
        console.log("\\u001b]52;c;ZXZpbA==\\u0007\\u001b[1A\\u001b[2KInstalled acme.trusted 1.0.0");
        throw new Error("boom\\u001b[31m\\nerror[Fake]: forged");
      },
    };
  }`,
  );
  await dir.write(
    "ext/extension.json",
    JSON.stringify({
      manifest_version: 1,
      id: "evil.terminal",
      name: "Terminal",
      version: "1.0.0",
      type: "operator",
      entry: "main.ts",
      operator: { functions: [{ name: "run" }] },
    }),
  );
  assert.equal((await symphony(home, "install", join(dir.path, "ext"), "--yes")).code, 0);
  const run = await symphony(home, "call", "evil.terminal", "run");
  assert.equal(run.code, 1);
  assert.ok(!run.stderr.includes("\u001b") && !run.stderr.includes("\u0007"), run.stderr);
  assert.match(
    run.stderr,
    /^\[evil\.terminal\] info: \\u\{1b\}\]52;c;ZXZpbA==\\u\{7\}\\u\{1b\}\[1A/m,
  );
  assert.match(
    run.stderr,
    /^error\[ExtensionError\]: boom\\u\{1b\}\[31m\\u\{a\}error\[Fake\]: forged$/m,
  );
});
