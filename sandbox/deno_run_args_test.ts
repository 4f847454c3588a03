import assert from "node:assert/strict";
import { denoRunArgs, type DenoRunArgsOptions } from "./deno_run_args.ts";
import type { PermissionSet } from "./permission_set.ts";

const OPTIONS: DenoRunArgsOptions = {
  id: "acme.x",
  memoryMb: 128,
  runtimeModule: "/opt/symphony/stage/runtime.ts",
};

const FIXED = [
  "run",
  "--no-prompt",
  "--no-config",
  "--no-lock",
  "--no-remote",
  "--cached-only",
  "--deny-run",
  "--deny-ffi",
  "--location=https://acme.x.extension.invalid/",
  "--v8-flags=--max-old-space-size=128",
];

function set(partial: Partial<PermissionSet> = {}): PermissionSet {
  return { read: [], write: [], net: [], env: [], sys: [], ...partial };
}

Deno.test("denoRunArgs() starts with the fixed flags, in order, and ends with the runtime", async (t) => {
  const cases: [string, PermissionSet][] = [
    ["an empty set", set()],
    [
      "a full set",
      set({ read: ["/a"], write: ["/b"], net: ["x.com"], env: ["LANG"], sys: ["cpus"] }),
    ],
  ];
  for (const [name, permissions] of cases) {
    await t.step(name, () => {
      const args = denoRunArgs(permissions, OPTIONS);
      assert.deepEqual(args.slice(0, FIXED.length), FIXED);
      assert.equal(args.at(-1), OPTIONS.runtimeModule);
      assert.equal(args.indexOf(OPTIONS.runtimeModule), args.length - 1);
    });
  }
});

Deno.test("denoRunArgs() gives no --allow flag for an empty kind", () => {
  assert.deepEqual(denoRunArgs(set(), OPTIONS), [...FIXED, OPTIONS.runtimeModule]);
  const args = denoRunArgs(set({ env: ["LANG"] }), OPTIONS);
  assert.deepEqual(args, [...FIXED, "--allow-env=LANG", OPTIONS.runtimeModule]);
  assert.equal(args.some((arg) => arg === "--allow-all" || arg === "-A"), false);
});

Deno.test("denoRunArgs() joins each kind's values with commas, kinds in a fixed order", () => {
  const args = denoRunArgs(
    set({
      sys: ["hostname", "cpus"],
      env: ["LANG", "TZ"],
      net: ["api.example.com:443", "[::1]:8080"],
      write: ["/data/acme.x", "/tmp/acme.x"],
      read: ["/ext", "/opt/symphony/stage", "/data/acme.x"],
    }),
    OPTIONS,
  );
  assert.deepEqual(args.slice(FIXED.length), [
    "--allow-read=/ext,/opt/symphony/stage,/data/acme.x",
    "--allow-write=/data/acme.x,/tmp/acme.x",
    "--allow-net=api.example.com:443,[::1]:8080",
    "--allow-env=LANG,TZ",
    "--allow-sys=hostname,cpus",
    OPTIONS.runtimeModule,
  ]);
});

Deno.test("denoRunArgs() refuses a value with a comma, which would grant a second entry", async (t) => {
  const cases: [keyof PermissionSet, PermissionSet][] = [
    ["read", set({ read: ["/ok", "/srv/a,/etc"] })],
    ["write", set({ write: ["/srv/a,b"] })],
    ["net", set({ net: ["a.com,evil.com"] })],
    ["env", set({ env: ["A,B"] })],
    ["sys", set({ sys: [","] })],
  ];
  for (const [kind, permissions] of cases) {
    await t.step(kind, () => {
      assert.throws(() => denoRunArgs(permissions, OPTIONS), {
        name: "TypeError",
        message: `Cannot build --allow-${kind}: an entry contains a comma`,
      });
    });
  }
});

Deno.test("denoRunArgs() gives each extension its own --location origin and heap limit", async (t) => {
  const cases: [string, number, string][] = [
    ["acme.x", 128, "https://acme.x.extension.invalid/"],
    ["org.tool-kit", 512, "https://org.tool-kit.extension.invalid/"],
  ];
  for (const [id, memoryMb, origin] of cases) {
    await t.step(id, () => {
      const args = denoRunArgs(set(), { ...OPTIONS, id, memoryMb });
      assert.deepEqual(args.slice(8, 10), [
        `--location=${origin}`,
        `--v8-flags=--max-old-space-size=${memoryMb}`,
      ]);
    });
  }
});

Deno.test("denoRunArgs() lets a set that names programs run those, and only those", () => {
  const args = denoRunArgs(set({ run: ["/usr/bin/git"] }), OPTIONS);
  assert.ok(args.includes("--allow-run=/usr/bin/git"));
  assert.equal(args.includes("--deny-run"), false);
  assert.ok(args.includes("--deny-ffi"));
  assert.ok(denoRunArgs(set({ run: [] }), OPTIONS).includes("--deny-run"));
});

Deno.test("denoRunArgs() spells a wildcard as the whole kind, which Deno accepts", () => {
  const args = denoRunArgs(set({ net: ["*", "x.com"], env: ["*"], sys: ["cpus"] }), OPTIONS);
  assert.ok(args.includes("--allow-net"));
  assert.ok(args.includes("--allow-env"));
  assert.ok(args.includes("--allow-sys=cpus"));
  assert.equal(args.some((arg) => arg.includes("=*")), false);
});
