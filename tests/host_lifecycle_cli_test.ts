// The lifecycle as an admin drives it from the command line, and the host's
// own end: the circuit breaker across host runs, enable, suspend and resume,
// and no extension process outliving its host, killed politely or not.
import assert from "node:assert/strict";
import { join } from "node:path";
import { attacker, writeExtension } from "./extension_stage.ts";
import { ROOT, type Run, runSymphony, SYMPHONY_PROCESS_ARGS } from "./run_symphony.ts";
import { alive, assertGone } from "./processes.ts";
import { tempDir } from "./temp_dir.ts";

function symphony(home: string, ...args: string[]): Promise<Run> {
  return runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
}

Deno.test("the circuit breaker holds across host runs until symphony enable", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeExtension(dir.path, { id: "acme.crashy", main: "Deno.exit(3);" });
  assert.equal((await symphony(home, "install", source, "--yes")).code, 0);
  for (let i = 0; i < 3; i++) {
    const run = await symphony(home, "call", "acme.crashy", "run");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error\[Crashed\]: .*exit code 3/m);
  }
  const refused = await symphony(home, "call", "acme.crashy", "run");
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error\[Disabled\]: Cannot start acme\.crashy: it is disabled/m);
  assert.match((await symphony(home, "list")).stdout, /acme\.crashy +1\.0\.0 +operator +disabled/);

  const enabled = await symphony(home, "enable", "acme.crashy");
  assert.equal(enabled.code, 0, enabled.stderr);
  assert.equal(enabled.stdout, "enabled acme.crashy\n");
  assert.match((await symphony(home, "list")).stdout, /acme\.crashy +1\.0\.0 +operator +installed/);
  // Enabled: it is started again (and crashes again) rather than refused.
  assert.match((await symphony(home, "call", "acme.crashy", "run")).stderr, /error\[Crashed\]/);
});

Deno.test("disable, suspend and resume from the command line", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeExtension(dir.path, attacker("acme.calm", "return 'calm';"));
  assert.equal((await symphony(home, "install", source, "--yes")).code, 0);

  assert.equal((await symphony(home, "disable", "acme.calm")).stdout, "disabled acme.calm\n");
  assert.match((await symphony(home, "call", "acme.calm", "run")).stderr, /error\[Disabled\]/);
  assert.equal((await symphony(home, "enable", "acme.calm")).code, 0);

  const suspended = await symphony(home, "suspend", "acme.calm", "--json");
  assert.deepEqual(JSON.parse(suspended.stdout), { id: "acme.calm", state: "suspended" });
  assert.match((await symphony(home, "list")).stdout, /acme\.calm .* suspended/);
  assert.equal((await symphony(home, "resume", "acme.calm")).stdout, "resumed acme.calm\n");
  assert.equal((await symphony(home, "call", "acme.calm", "run")).stdout, '"calm"\n');

  const missing = await symphony(home, "enable", "acme.none");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error\[NotFound\]: Cannot find acme\.none/m);
  assert.match((await symphony(home, "suspend", "--help")).stdout, /SIGSTOP/);
});

// Starts `symphony call` as the task does, and waits for the extension to
// print its pid: the call is then in flight.
async function hostWithRunningCall(home: string, id: string): Promise<{
  host: Deno.ChildProcess;
  extensionPid: number;
  stderr: () => string;
}> {
  const host = new Deno.Command(Deno.execPath(), {
    args: [...SYMPHONY_PROCESS_ARGS, "call", id, "run"],
    env: { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reader = host.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = Date.now() + 30_000;
  while (!/pid (\d+)/.test(text)) {
    assert.ok(Date.now() < deadline, `the extension never started: ${text}`);
    const { value, done } = await reader.read();
    assert.ok(!done, `the host ended early: ${text}`);
    text += value;
  }
  const extensionPid = Number(/pid (\d+)/.exec(text)?.[1]);
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
      if (done) return;
      text += value;
    }
  })();
  return { host, extensionPid, stderr: () => text };
}

Deno.test("SIGTERM to the host runs deactivate, then no extension process remains", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeExtension(dir.path, {
    id: "acme.polite",
    resources: { timeout_ms: 60_000 },
    main: `let context;
      export function activate(ctx) {
        context = ctx;
        return { run: async () => { console.log("pid " + Deno.pid); await new Promise(() => {}); } };
      }
      export function deactivate() { Deno.writeTextFileSync(context.dataDir + "/deactivated", "yes"); }`,
  });
  assert.equal((await symphony(home, "install", source, "--yes")).code, 0);
  const { host, extensionPid } = await hostWithRunningCall(home, "acme.polite");
  host.kill("SIGTERM");
  const status = await host.status;
  assert.equal(status.code, 143);
  await assertGone(extensionPid);
  assert.equal(
    await Deno.readTextFile(join(home, "data", "acme.polite", "deactivated")),
    "yes",
  );
});

Deno.test("SIGKILL to the host takes a spinning extension process with it", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeExtension(dir.path, {
    id: "acme.spinner",
    resources: { timeout_ms: 60_000 },
    main: `export function activate() {
        return {
          run: async () => {
            console.log("pid " + Deno.pid);
            setTimeout(() => { while (true) {} }, 50);
            await new Promise(() => {});
          },
        };
      }`,
  });
  assert.equal((await symphony(home, "install", source, "--yes")).code, 0);
  const { host, extensionPid } = await hostWithRunningCall(home, "acme.spinner");
  try {
    host.kill("SIGKILL");
    await host.status;
    await assertGone(extensionPid);
  } finally {
    if (await alive(extensionPid)) Deno.kill(extensionPid, "SIGKILL");
  }
});
