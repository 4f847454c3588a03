// Updates, rollbacks and uninstalls as an admin runs them: grants and
// settings carry over, new permissions wait for an admin, the old version
// comes back with its grants, and dependents protect what they need.
import assert from "node:assert/strict";
import { join } from "node:path";
import { attacker, type Extension, writeExtension } from "./extension_stage.ts";
import { ROOT, type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

function version(n: string, extra: Partial<Extension> = {}): Extension {
  return attacker("acme.tool", `return "${n}";`, {
    version: n,
    permissions: { env: ["LANG"] },
    ...extra,
  });
}

Deno.test("update keeps grants, asks before new permissions, and rollback restores", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
  const v1 = await writeExtension(join(dir.path, "v1"), version("1.0.0"));
  const v2 = await writeExtension(join(dir.path, "v2"), version("2.0.0"));
  const v3 = await writeExtension(
    join(dir.path, "v3"),
    version("3.0.0", { permissions: { env: ["LANG", "HOME"] } }),
  );
  assert.equal((await symphony("install", v1, "--yes")).code, 0);
  assert.equal((await symphony("revoke", "acme.tool", "env", "LANG")).code, 0);

  const updated = await symphony("update", "acme.tool", v2, "--yes");
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal(updated.stdout.split("\n").at(-2), "updated acme.tool from 1.0.0 to 2.0.0");
  assert.match(updated.stdout, /It asks for no new permissions\./);
  assert.equal((await symphony("call", "acme.tool", "run")).stdout, '"2.0.0"\n');
  const grants = JSON.parse((await symphony("grants", "acme.tool", "--json")).stdout).grants;
  assert.deepEqual(grants.env, { granted: [], denied: ["LANG"] }, "the revoke held");

  const escalating = await symphony("update", "acme.tool", v3, "--yes");
  assert.equal(escalating.code, 0, escalating.stderr);
  assert.match(escalating.stdout, /It asks for NEW permissions: env: HOME\./);
  assert.match(
    escalating.stdout,
    /disabled: the update to 3\.0\.0 asks for new permissions \(env: HOME\)/,
  );
  const refused = await symphony("call", "acme.tool", "run");
  assert.match(refused.stderr, /^error\[Disabled\]/m);

  const back = await symphony("rollback", "acme.tool");
  assert.equal(back.code, 0, back.stderr);
  assert.equal(back.stdout, "rolled back acme.tool to 2.0.0 (3.0.0 kept for rollback)\n");
  assert.equal((await symphony("call", "acme.tool", "run")).stdout, '"2.0.0"\n');

  const kinds = (await symphony("audit", "--json")).stdout.trim().split("\n")
    .map((line) => JSON.parse(line).kind);
  assert.deepEqual(kinds, ["install", "revoke", "update", "update", "rollback"]);
  const same = await symphony("update", "acme.tool", v2, "--yes");
  assert.match(
    same.stderr,
    /^error\[InvalidInput\]: Cannot update acme\.tool: version 2\.0\.0 is already installed/m,
  );
  const record = JSON.parse((await symphony("list", "--json")).stdout)[0];
  assert.equal(record.version, "2.0.0");
});

Deno.test("enabling an update that asks for more grants what it asked for, nothing else", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT, TOOL_TOKEN: "t0ken" });
  const reads = (n: string, env: string[]): Extension =>
    attacker("acme.tool", `return Deno.env.get("TOOL_TOKEN") ?? null;`, {
      version: n,
      permissions: { env },
    });
  assert.equal(
    (await symphony(
      "install",
      await writeExtension(join(dir.path, "v1"), reads("1.0.0", ["LANG"])),
      "--yes",
    )).code,
    0,
  );
  // The admin's decision for env is explicit now: LANG denied.
  assert.equal((await symphony("revoke", "acme.tool", "env", "LANG")).code, 0);
  const v2 = await writeExtension(join(dir.path, "v2"), reads("2.0.0", ["LANG", "TOOL_TOKEN"]));
  assert.equal((await symphony("update", "acme.tool", v2, "--yes")).code, 0);
  const before = JSON.parse((await symphony("grants", "acme.tool", "--json")).stdout).grants;
  assert.deepEqual(before.env, { granted: [], denied: ["LANG", "TOOL_TOKEN"] });

  const enabled = await symphony("enable", "acme.tool");
  assert.equal(enabled.code, 0, enabled.stderr);
  const after = JSON.parse((await symphony("grants", "acme.tool", "--json")).stdout).grants;
  assert.deepEqual(
    after.env,
    { granted: ["TOOL_TOKEN"], denied: ["LANG"] },
    "the revoke of LANG held",
  );
  const called = await symphony("call", "acme.tool", "run");
  assert.equal(called.stdout, '"t0ken"\n', called.stderr);
  const record = JSON.parse((await symphony("audit", "--kind", "enable", "--json")).stdout);
  assert.deepEqual(record.detail, { granted: { env: ["TOOL_TOKEN"] } });
});

Deno.test("rollback brings back the previous version's grants and settings, and forward again", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
  const greeting = { greeting: { type: "string", default: "hello" } };
  const shape = { permissions: { env: ["LANG", "HOME"] }, settings: greeting };
  const v1 = await writeExtension(join(dir.path, "v1"), version("1.0.0", shape));
  const v2 = await writeExtension(join(dir.path, "v2"), version("2.0.0", shape));
  const grants = async () =>
    JSON.parse((await symphony("grants", "acme.tool", "--json")).stdout).grants.env;
  const settings = async () =>
    JSON.parse((await symphony("settings", "acme.tool", "--json")).stdout).merged;
  assert.equal((await symphony("install", v1, "--yes")).code, 0);
  assert.equal((await symphony("settings", "acme.tool", "set", "greeting", '"from 1"')).code, 0);
  assert.equal((await symphony("update", "acme.tool", v2, "--yes")).code, 0);
  // What the admin changes on 2.0.0 is 2.0.0's alone.
  assert.equal((await symphony("revoke", "acme.tool", "env", "HOME")).code, 0);
  assert.equal((await symphony("settings", "acme.tool", "set", "greeting", '"from 2"')).code, 0);
  assert.deepEqual(await grants(), { granted: ["LANG"], denied: ["HOME"] });
  assert.deepEqual(await settings(), { greeting: "from 2" });

  const back = await symphony("rollback", "acme.tool");
  assert.equal(back.stdout, "rolled back acme.tool to 1.0.0 (2.0.0 kept for rollback)\n");
  assert.deepEqual(await grants(), { granted: ["LANG", "HOME"], denied: [] }, "1.0.0's grants");
  assert.deepEqual(await settings(), { greeting: "from 1" }, "1.0.0's settings");

  const forward = await symphony("rollback", "acme.tool");
  assert.equal(forward.stdout, "rolled back acme.tool to 2.0.0 (1.0.0 kept for rollback)\n");
  assert.deepEqual(await grants(), { granted: ["LANG"], denied: ["HOME"] }, "2.0.0's grants");
  assert.deepEqual(await settings(), { greeting: "from 2" }, "2.0.0's settings");
});

Deno.test("uninstall refuses while others depend on it, unless forced, and can keep data", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
  const base = await writeExtension(dir.path, attacker("acme.base", "return 1;"));
  const top = await writeExtension(
    dir.path,
    attacker("acme.top", "return 2;", { dependencies: { "acme.base": "^1.0.0" } }),
  );
  assert.equal((await symphony("install", base, "--yes")).code, 0);
  assert.equal((await symphony("install", top, "--yes")).code, 0);
  const refused = await symphony("uninstall", "acme.base");
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^error\[DependencyError\]: Cannot uninstall acme\.base: acme\.top depends on it; uninstall it first, or pass --force$/m,
  );
  const own = (kind: string) => join(home, kind, "acme.base");
  for (const kind of ["data", "cache", "tmp"]) {
    await Deno.writeTextFile(join(own(kind), "notes.txt"), "keep me");
  }
  const forced = await symphony("uninstall", "acme.base", "--force", "--keep-data");
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /; data kept in .*data\/acme\.base$/m);
  assert.equal(await Deno.readTextFile(join(own("data"), "notes.txt")), "keep me");
  // --keep-data keeps the data alone: code, cache and temporary files go.
  for (const kind of ["extensions", "cache", "tmp"]) {
    await assert.rejects(Deno.stat(own(kind)), Deno.errors.NotFound, `${kind} is still there`);
  }
});

Deno.test("install --from installs missing dependencies first, the highest that fits", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const available = join(dir.path, "available");
  await Deno.mkdir(available);
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
  for (const v of ["1.1.0", "1.3.0", "2.0.0"]) {
    const written = await writeExtension(
      join(dir.path, `w${v}`),
      attacker("acme.tokenizer", `return "${v}";`, { version: v }),
    );
    await Deno.rename(written, join(available, `tokenizer-${v}`));
  }
  const operator = join(ROOT, "tests", "fixtures", "operator");
  const run = await symphony("install", operator, "--from", available, "--yes");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^Installing the dependency acme\.tokenizer 1\.3\.0 from /m);
  const listed = JSON.parse((await symphony("list", "--json")).stdout) as {
    id: string;
    version: string;
  }[];
  assert.deepEqual(listed.map((e) => `${e.id}@${e.version}`), [
    "acme.formatter@1.2.0",
    "acme.tokenizer@1.3.0",
  ]);
  const installs = (await symphony("audit", "--kind", "install", "--json")).stdout.trim()
    .split("\n").map((line) => JSON.parse(line).extension);
  assert.deepEqual(installs, ["acme.tokenizer", "acme.formatter"]);
});
