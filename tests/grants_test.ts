// Grants as an admin changes them: requested vs granted vs denied, revoking
// and granting take effect at once (a running extension restarts with its new
// flags), and every change is audited with who made it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertFails, attacker, stage, writeExtension } from "./extension_stage.ts";
import { type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

const READER = attacker("acme.reader", "return await Deno.readTextFile(input);", {
  permissions: { read: ["${workspace}"], env: ["LANG"] },
});

Deno.test("revoke and grant restart a running extension with its new flags", async () => {
  await using s = await stage();
  await s.install(READER);
  const notes = join(s.workspace, "granted", "notes.txt");
  assert.equal(await s.conductor.call("acme.reader", "run", notes), "hello");
  const before = (await s.conductor.start("acme.reader")).pid;

  await s.conductor.revoke("acme.reader", "read");
  // Running again already, as another process: started with the new flags.
  assert.equal(s.conductor.isRunning("acme.reader"), true, "it was not restarted");
  const restarted = (await s.conductor.start("acme.reader")).pid;
  assert.notEqual(restarted, before);
  await assertFails(s.conductor.call("acme.reader", "run", notes), "PermissionDenied");
  assert.deepEqual((await s.conductor.grants("acme.reader")).read, {
    granted: [],
    denied: ["${workspace}"],
  });

  await s.conductor.grant("acme.reader", "read", "${workspace}");
  assert.equal(s.conductor.isRunning("acme.reader"), true, "it was not restarted");
  assert.notEqual((await s.conductor.start("acme.reader")).pid, restarted);
  assert.equal(await s.conductor.call("acme.reader", "run", notes), "hello");
  await assertFails(
    s.conductor.grant("acme.reader", "net", "evil.example.com:443"),
    "InvalidInput",
    /does not request it/,
  );
  const changes = s.conductor.audit.list({ extension: "acme.reader" })
    .filter((r) => r.kind === "grant" || r.kind === "revoke");
  assert.deepEqual(changes.map((r) => [r.kind, r.detail["permission"], r.detail["granted"]]), [
    ["revoke", "read", []],
    ["grant", "read", ["${workspace}"]],
  ]);
});

Deno.test("symphony grants, grant and revoke from the command line", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const workspace = join(dir.path, "workspace");
  await Deno.mkdir(workspace);
  await Deno.writeTextFile(join(workspace, "notes.txt"), "hello");
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: workspace });
  const source = await writeExtension(dir.path, READER);
  assert.equal((await symphony("install", source, "--yes")).code, 0);

  assert.equal(
    (await symphony("grants", "acme.reader")).stdout,
    "read   granted: ${workspace}  denied: -\nenv    granted: LANG  denied: -\n",
  );
  const revoked = await symphony("revoke", "acme.reader", "env", "LANG");
  assert.equal(revoked.stdout, "revoked acme.reader env LANG\n");
  const shown = await symphony("grants", "acme.reader");
  assert.match(shown.stdout, /^env {4}granted: - {2}denied: LANG$/m);
  assert.match(shown.stdout, /^\S+ cli:\S+ revoke env LANG$/m);

  const input = JSON.stringify(join(workspace, "notes.txt"));
  assert.equal(
    (await symphony("call", "acme.reader", "run", "--input", input)).stdout,
    '"hello"\n',
  );
  assert.equal((await symphony("revoke", "acme.reader", "read")).code, 0);
  const denied = await symphony("call", "acme.reader", "run", "--input", input);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /^error\[PermissionDenied\]/m);
  assert.equal((await symphony("grant", "acme.reader", "read", "${workspace}")).code, 0);
  assert.equal(
    (await symphony("call", "acme.reader", "run", "--input", input)).stdout,
    '"hello"\n',
  );

  const unknown = await symphony("grant", "acme.reader", "disk", "x");
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /^error\[InvalidInput\]: Cannot grant: unknown permission kind "disk"/m,
  );
  const missing = await symphony("grants", "acme.none");
  assert.match(missing.stderr, /^error\[NotFound\]/m);
  const json = JSON.parse((await symphony("grants", "acme.reader", "--json")).stdout);
  assert.deepEqual(json.grants.read, { granted: ["${workspace}"], denied: [] });
  assert.equal(json.changes.length, 3);
  assert.equal((await symphony("audit", "--verify")).code, 0);
});
