// Hot reload of development installs: an edit restarts the extension with its
// state carried over; an edit that does not validate or activate keeps the
// last good version running and says why.
import assert from "node:assert/strict";
import { join } from "node:path";
import { installExtension } from "../kit/mod.ts";
import { watchDevExtensions } from "../kit/dev_watcher.ts";
import type { ReloadResult } from "../kit/reload_extension.ts";
import { type Extension, stage, writeExtension } from "./extension_stage.ts";
import { ROOT } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

function counter(version: number): string {
  return `let count = 0;
    export function activate() { return { hit: () => ({ version: ${version}, count: ++count }) }; }
    export function snapshot() { return { count }; }
    export function restore(state) { count = state.count; }`;
}

const DEV: Extension = { id: "acme.dev", main: counter(1) };

// Collects reload results and lets a test wait for the next one.
function reloads(): { onReload(result: ReloadResult): void; next(): Promise<ReloadResult> } {
  const seen: ReloadResult[] = [];
  const waiting: ((result: ReloadResult) => void)[] = [];
  return {
    onReload(result): void {
      const waiter = waiting.shift();
      if (waiter !== undefined) waiter(result);
      else seen.push(result);
    },
    next(): Promise<ReloadResult> {
      const result = seen.shift();
      if (result !== undefined) return Promise.resolve(result);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no reload within 15 s")), 15_000);
        waiting.push((r) => (clearTimeout(timer), resolve(r)));
      });
    },
  };
}

Deno.test("an edited development install reloads, keeping its state, and bad edits keep the last good one", async (t) => {
  await using s = await stage();
  const dir = await writeExtension(join(s.root, "dev"), DEV);
  const installed = await installExtension(dir, {
    conductor: s.conductor,
    confirm: () => Promise.resolve(true),
    dev: true,
  });
  assert.equal(installed?.devDir, await Deno.realPath(dir));
  const results = reloads();
  await using watching = await watchDevExtensions(s.conductor, results);
  assert.deepEqual(watching.ids, ["acme.dev"]);

  assert.deepEqual(await s.conductor.call("acme.dev", "hit", null), { version: 1, count: 1 });
  assert.deepEqual(await s.conductor.call("acme.dev", "hit", null), { version: 1, count: 2 });
  const firstPid = (await s.conductor.start("acme.dev")).pid;

  await t.step("a code edit restarts it with the state snapshot() gave", async () => {
    await Deno.writeTextFile(join(dir, "main.ts"), counter(2));
    assert.deepEqual(await results.next(), {
      ok: true,
      id: "acme.dev",
      version: "1.0.0",
      restarted: true,
    });
    assert.deepEqual(await s.conductor.call("acme.dev", "hit", null), { version: 2, count: 3 });
    assert.notEqual((await s.conductor.start("acme.dev")).pid, firstPid);
  });

  await t.step("code that does not load is refused and version 2 keeps running", async () => {
    await Deno.writeTextFile(join(dir, "main.ts"), "export function activate( {");
    const result = await results.next();
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : "", /^the new version did not start: /);
    assert.deepEqual(await s.conductor.call("acme.dev", "hit", null), { version: 2, count: 4 });
  });

  await t.step("an activate that throws is refused with the extension's message", async () => {
    await Deno.writeTextFile(
      join(dir, "main.ts"),
      "export function activate() { throw new Error('no model file'); }",
    );
    const result = await results.next();
    assert.match(!result.ok ? result.reason : "", /Cannot activate acme\.dev: no model file/);
    assert.deepEqual(await s.conductor.call("acme.dev", "hit", null), { version: 2, count: 5 });
  });

  await t.step("an invalid manifest is refused with its problems", async () => {
    const manifestPath = join(dir, "extension.json");
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    await Deno.writeTextFile(manifestPath, JSON.stringify({ ...manifest, version: "one" }));
    const result = await results.next();
    assert.match(!result.ok ? result.reason : "", /^the manifest is invalid: version: /);
    await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
    assert.equal((await results.next()).ok, false, "main.ts still throws in activate");
  });

  await t.step("new permissions are refused until installed again with a review", async () => {
    await Deno.writeTextFile(join(dir, "main.ts"), counter(3));
    assert.equal((await results.next()).ok, true);
    const manifestPath = join(dir, "extension.json");
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    await Deno.writeTextFile(
      manifestPath,
      JSON.stringify({ ...manifest, permissions: { net: ["api.example.com:443"] } }),
    );
    const result = await results.next();
    assert.match(
      !result.ok ? result.reason : "",
      /asks for permissions it was installed without \(net: api\.example\.com:443\)/,
    );
    assert.equal(
      (await s.conductor.call("acme.dev", "hit", null) as { version: number }).version,
      3,
    );
  });
});

Deno.test("a reloaded process is contained like the first, and a reload may not raise limits", async (t) => {
  await using s = await stage({}, {
    limits: { watchIntervalMs: 100, idleCpuWindowMs: 800, killGraceMs: 500 },
  });
  const hog = (version: number) =>
    `export function activate() {
      return {
        version: () => ${version},
        hog: () => {
          globalThis.keep = [];
          setTimeout(async () => {
            while (true) {
              globalThis.keep.push(new Uint8Array(16 * 1024 * 1024).fill(1));
              await new Promise((r) => setTimeout(r, 5));
            }
          }, 0);
          return "hogging";
        },
      };
    }`;
  const dir = await writeExtension(join(s.root, "dev"), {
    id: "acme.hog",
    resources: { memory_mb: 96 },
    functions: [{ name: "version" }, { name: "hog" }],
    main: hog(1),
  });
  await installExtension(dir, {
    conductor: s.conductor,
    confirm: () => Promise.resolve(true),
    dev: true,
  });
  const results = reloads();
  await using _watching = await watchDevExtensions(s.conductor, results);
  assert.equal(await s.conductor.call("acme.hog", "version", null), 1);

  await t.step("after a reload the memory watchdog still stops it", async () => {
    await Deno.writeTextFile(join(dir, "main.ts"), hog(2));
    assert.equal((await results.next()).ok, true);
    assert.equal(await s.conductor.call("acme.hog", "version", null), 2);
    const pid = (await s.conductor.start("acme.hog")).pid;
    assert.equal(await s.conductor.call("acme.hog", "hog", null), "hogging");
    const deadline = Date.now() + 10_000;
    while ((await s.conductor.history("acme.hog")).at(-1)?.code !== "ResourceExhausted") {
      assert.ok(Date.now() < deadline, `process ${pid} was not stopped past memory_mb`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  await t.step("more memory, or a new call target, needs a fresh install", async () => {
    const manifestPath = join(dir, "extension.json");
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    await Deno.writeTextFile(
      manifestPath,
      JSON.stringify({ ...manifest, resources: { memory_mb: 4096 } }),
    );
    const result = await results.next();
    assert.match(
      !result.ok ? result.reason : "",
      /asks for more than it was installed with \(resources\.memory_mb 4096\)/,
    );
    assert.equal((await s.conductor.get("acme.hog")).manifest.resources.memory_mb, 96);
  });

  await t.step("a suspended extension is not reloaded", async () => {
    const manifestPath = join(dir, "extension.json");
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    await Deno.writeTextFile(
      manifestPath,
      JSON.stringify({ ...manifest, resources: { memory_mb: 96 } }),
    );
    assert.equal((await results.next()).ok, true);
    await s.conductor.suspend("acme.hog");
    await Deno.writeTextFile(join(dir, "main.ts"), hog(3));
    const result = await results.next();
    assert.match(!result.ok ? result.reason : "", /it is suspended; resume it first/);
    await s.conductor.resume("acme.hog");
  });
});

Deno.test("deno task dev takes calls on stdin and reloads a development install", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeExtension(dir.path, DEV);
  const env = { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: dir.path, NO_COLOR: "1" };
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "symphony", "install", source, "--dev", "--yes"],
    cwd: ROOT,
    env,
    stdin: "null",
  }).output();
  assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
  assert.match(new TextDecoder().decode(install.stdout), /\(operator, dev: runs from /);

  const host = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "dev"],
    cwd: ROOT,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors = new Response(host.stderr).text();
  const input = host.stdin.getWriter();
  const output = host.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const until = async (pattern: RegExp): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!pattern.test(text)) {
      assert.ok(Date.now() < deadline, `never printed ${pattern}: ${text}`);
      const read = await Promise.race([
        output.read(),
        new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), deadline - Date.now())
        ),
      ]);
      assert.ok(read !== undefined, `never printed ${pattern}: ${text}`);
      assert.ok(!read.done, `the host ended: ${text}`);
      text += read.value;
    }
  };
  try {
    await until(/1 watched for changes \(acme\.dev\)\n[^]*ready: /);
    await input.write(new TextEncoder().encode("acme.dev hit\n"));
    await until(/\{"version":1,"count":1\}\n/);
    await Deno.writeTextFile(join(source, "main.ts"), counter(2));
    await until(/reloaded acme\.dev 1\.0\.0 \(restarted; state carried by snapshot\/restore\)\n/);
    await input.write(new TextEncoder().encode('acme.dev hit {"ignored": true}\nlist\n'));
    await until(/\{"version":2,"count":2\}\nacme\.dev 1\.0\.0 ready\n/);
    await input.write(new TextEncoder().encode("acme.none hit\nquit\n"));
    await until(/error\[NotFound\]: Cannot find acme\.none/);
    assert.equal((await host.status).code, 0);
    // State changes are logged with their reasons, on stderr.
    const log = await errors;
    assert.match(log, /\[acme\.dev\] state: installed → starting \(needed\)\n/);
    assert.match(log, /\[acme\.dev\] state: ready → ready \(reloaded 1\.0\.0\)\n/);
  } finally {
    // Leave politely first: a killed `deno task` would leave its host behind.
    await input.write(new TextEncoder().encode("quit\n")).catch(() => {});
    await input.close().catch(() => {});
    const exited = await Promise.race([
      host.status.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    if (!exited) host.kill("SIGKILL");
    await host.status;
    await output.cancel().catch(() => {});
  }
});
