// Settings in levels: defaults, then system, user and workspace; every value
// checked against the manifest; a change reaches the running extension live.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Conductor } from "../conductor/mod.ts";
import { assertFails, type Extension, stage, writeExtension } from "./extension_stage.ts";
import { ROOT, type Run, runSymphony } from "./run_symphony.ts";
import { tempDir } from "./temp_dir.ts";

const FORMATTER: Extension = {
  id: "acme.fmt",
  settings: {
    indent: { type: "integer", default: 2, minimum: 0, maximum: 8 },
    theme: { type: "enum", values: ["light", "dark"], default: "light" },
  },
  main: `export function activate(ctx) {
    return { read: () => ({ indent: ctx.settings.get("indent"), theme: ctx.settings.get("theme"), pid: Deno.pid }) };
  }`,
};

Deno.test("levels override the defaults in order, and a running extension sees changes live", async () => {
  await using s = await stage();
  await s.install(FORMATTER);
  const first = await s.conductor.call("acme.fmt", "read", null) as { indent: number; pid: number };
  assert.equal(first.indent, 2);

  await s.conductor.setSettings("acme.fmt", "user", { indent: 4 });
  await s.conductor.setSettings("acme.fmt", "system", { indent: 3, theme: "dark" });
  const live = await s.conductor.call("acme.fmt", "read", null) as { indent: number; pid: number };
  assert.deepEqual({ ...live, pid: 0 }, { indent: 4, theme: "dark", pid: 0 });
  assert.equal(live.pid, first.pid, "it was not restarted");

  await s.conductor.setSettings("acme.fmt", "workspace", { indent: 8 });
  assert.equal((await s.conductor.settings("acme.fmt")).merged["indent"], 8);
  await s.conductor.setSettings("acme.fmt", "workspace", { indent: undefined });
  assert.equal((await s.conductor.settings("acme.fmt")).merged["indent"], 4);

  await assertFails(
    s.conductor.setSettings("acme.fmt", "user", { indent: 9, theme: "dark" }),
    "InvalidInput",
    /settings\.indent: 9 is above the maximum 8/,
  );
  await assertFails(
    s.conductor.setSettings("acme.fmt", "user", { colour: "red" }),
    "InvalidInput",
    /settings\.colour: acme\.fmt has no such setting/,
  );
  assert.deepEqual((await s.conductor.settings("acme.fmt")).levels.user, { indent: 4 });
});

Deno.test("a change made by another host process reaches every running process live", async () => {
  await using s = await stage({}, { limits: { watchIntervalMs: 100 } });
  await s.install({
    ...FORMATTER,
    resources: { instances: 2, max_concurrency: 1 },
    functions: [{ name: "read" }],
    main: `export function activate(ctx) {
      return { read: async (wait) => {
        await new Promise((r) => setTimeout(r, wait));
        return { indent: ctx.settings.get("indent"), pid: Deno.pid };
      } };
    }`,
  });
  type Read = { indent: number; pid: number };
  // Two calls at once, one each: both processes run.
  const both = async (): Promise<Read[]> =>
    await Promise.all([1, 2].map(() => s.conductor.call("acme.fmt", "read", 300))) as Read[];
  const before = await both();
  assert.equal(new Set(before.map((r) => r.pid)).size, 2);

  // The command line is another process with its own Conductor on the same home.
  await using other = new Conductor({ home: s.conductor.layout.home, workspace: s.workspace });
  await other.setSettings("acme.fmt", "user", { indent: 6 });
  const deadline = Date.now() + 5_000;
  let after = await both();
  while (after.some((r) => r.indent !== 6) && Date.now() < deadline) after = await both();
  assert.deepEqual(after.map((r) => r.indent), [6, 6]);
  assert.deepEqual(new Set(after.map((r) => r.pid)), new Set(before.map((r) => r.pid)));
});

Deno.test("symphony settings shows, sets, exports and imports", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const symphony = (...args: string[]): Promise<Run> =>
    runSymphony(args, { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT });
  const source = await writeExtension(dir.path, FORMATTER);
  assert.equal((await symphony("install", source, "--yes")).code, 0);
  assert.equal(
    (await symphony("settings", "acme.fmt")).stdout,
    'indent = 2  (default)\ntheme = "light"  (default)\n',
  );
  assert.equal(
    (await symphony("settings", "acme.fmt", "set", "theme", "dark", "--level", "workspace")).stdout,
    'set acme.fmt theme = "dark" at the workspace level\n',
  );
  const bad = await symphony("settings", "acme.fmt", "set", "theme", "blue");
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /^error\[InvalidInput\]: .*settings\.theme: "blue" is not one of the values/m,
  );
  assert.equal(
    (await symphony("call", "acme.fmt", "read")).stdout.includes('"theme":"dark"'),
    true,
  );

  const exported = await symphony("settings", "acme.fmt", "export");
  assert.deepEqual(JSON.parse(exported.stdout), { levels: { workspace: { theme: "dark" } } });
  const file = join(dir.path, "settings.json");
  await Deno.writeTextFile(
    file,
    JSON.stringify({ levels: { user: { indent: 6 }, workspace: {} } }),
  );
  assert.equal((await symphony("settings", "acme.fmt", "import", file)).code, 0);
  assert.equal(
    (await symphony("settings", "acme.fmt")).stdout,
    'indent = 6  (user)\ntheme = "light"  (default)\n',
  );
  await Deno.writeTextFile(
    file,
    JSON.stringify({ levels: { user: { indent: 1 }, system: { indent: 99 } } }),
  );
  const refused = await symphony("settings", "acme.fmt", "import", file);
  assert.match(
    refused.stderr,
    /system settings\.indent: 99 is above the maximum 8; nothing was imported/,
  );
  assert.match((await symphony("settings", "acme.fmt")).stdout, /^indent = 6 {2}\(user\)$/m);
});
