// The IPC bus as extensions use and abuse it: logs, protocol violations,
// timeouts, cancellation, concurrency, schemas, crashes, and calls between
// extensions. Every extension runs in a real sandboxed process.
import assert from "node:assert/strict";
import { Conductor, ExtensionProcess } from "../conductor/mod.ts";
import { denoSpawner } from "../sandbox/mod.ts";
import { assertFails, attacker, stage } from "./extension_stage.ts";
import { tempDir } from "./temp_dir.ts";

Deno.test("console output reaches the host as log lines tagged with the extension's id", async () => {
  await using s = await stage();
  await s.install(
    attacker(
      "acme.chatty",
      `console.log("hello", { n: 1 }); console.error("oops"); return "done";`,
    ),
  );
  assert.equal(await s.conductor.call("acme.chatty", "run", null), "done");
  assert.deepEqual(
    s.logs.filter((l) => l.id === "acme.chatty").map((l) => `${l.level} ${l.message}`),
    ["info hello { n: 1 }", "error oops"],
  );
});

Deno.test("a flood of log lines is dropped and counted, not buffered", async () => {
  await using s = await stage();
  await s.install(
    attacker(
      "acme.flood",
      `for (let i = 0; i < 20000; i++) console.log("line " + i); return "done";`,
    ),
  );
  assert.equal(await s.conductor.call("acme.flood", "run", null), "done");
  await s.assertBenignServes();
  const lines = s.logs.filter((l) => l.id === "acme.flood");
  assert.ok(lines.length < 1_000, `${lines.length} lines were let through`);
});

Deno.test("bytes on stdout that are not frames stop the extension with ProtocolError", async (t) => {
  await using s = await stage();
  const attacks: [string, string][] = [
    [
      "text printed straight to stdout",
      `Deno.stdout.writeSync(new TextEncoder().encode("hello, host\\n"));`,
    ],
    ["binary bytes", `Deno.stdout.writeSync(new Uint8Array([255, 255, 255, 255]));`],
    ["a line that is not JSON", `Deno.stdout.writeSync(new TextEncoder().encode("{oops\\n"));`],
    ["JSON that is not JSON-RPC", `Deno.stdout.writeSync(new TextEncoder().encode('{"a":1}\\n'));`],
    [
      "a frame over 16 MiB",
      `Deno.stdout.writeSync(new TextEncoder().encode("{" + "a".repeat(17 * 1024 * 1024)));`,
    ],
  ];

  for (const [name, body] of attacks) {
    await t.step(name, async () => {
      const id = `evil.stdout${name.length}`;
      await s.install(attacker(id, `${body} await new Promise(() => {});`));
      await assertFails(
        s.conductor.call(id, "run", null),
        "ProtocolError",
        /Cannot talk to evil\.stdout\d+/,
      );
      await s.assertBenignServes();
    });
  }
});

Deno.test("a call past timeout_ms fails with Timeout and the process is stopped", async () => {
  await using s = await stage();
  await s.install(attacker("evil.loop", `if (input.loop) { while (true) {} } return Deno.pid;`, {
    resources: { timeout_ms: 500 },
  }));
  const pid = await s.conductor.call("evil.loop", "run", { loop: false }) as number;
  await assertFails(
    s.conductor.call("evil.loop", "run", { loop: true }),
    "Timeout",
    /no answer within 500 ms/,
  );
  const next = await s.conductor.call("evil.loop", "run", { loop: false }) as number;
  assert.notEqual(next, pid, "the looping process kept running");
  await s.assertBenignServes();
});

Deno.test("a cancelled call fails at once and the extension sees the abort", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.patient",
    functions: [{ name: "wait" }, { name: "seen" }],
    main: `let aborted = false;
      export function activate() {
        return {
          wait: (_input, ctx) => new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => { aborted = true; reject(ctx.signal.reason); });
            ctx.log.info("waiting");
          }),
          seen: () => aborted,
        };
      }`,
  });
  const controller = new AbortController();
  const call = s.conductor.call("acme.patient", "wait", null, { signal: controller.signal });
  await s.nextLog((line) => line.id === "acme.patient" && line.message === "waiting");
  controller.abort();
  await assertFails(call, "Timeout", /cancelled/);
  // The cancel notification is handled before the next call, on the same ordered bus.
  assert.equal(await s.conductor.call("acme.patient", "seen", null), true);
});

Deno.test("calls beyond max_concurrency wait for a free slot", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.busy",
    resources: { max_concurrency: 2 },
    functions: [{ name: "work" }, { name: "peak" }],
    main: `let inFlight = 0, peak = 0;
      export function activate() {
        return {
          work: async () => { inFlight++; peak = Math.max(peak, inFlight); await new Promise((r) => setTimeout(r, 30)); inFlight--; return "ok"; },
          peak: () => peak,
        };
      }`,
  });
  const results = await Promise.all(
    Array.from({ length: 6 }, () => s.conductor.call("acme.busy", "work", null)),
  );
  assert.deepEqual(results, Array(6).fill("ok"));
  assert.equal(await s.conductor.call("acme.busy", "peak", null), 2);
});

Deno.test("declared schemas reject bad input and bad output", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.typed",
    functions: [{
      name: "double",
      input: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
      output: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
    }],
    main:
      `export function activate() { return { double: (input) => input.n === 13 ? { n: "thirteen" } : { n: input.n * 2 } }; }`,
  });
  assert.deepEqual(await s.conductor.call("acme.typed", "double", { n: 4 }), { n: 8 });
  await assertFails(
    s.conductor.call("acme.typed", "double", { n: "4" }),
    "InvalidInput",
    /Cannot accept the input of acme\.typed double: n:/,
  );
  await assertFails(
    s.conductor.call("acme.typed", "double", { n: 13 }),
    "InvalidOutput",
    /Cannot accept the output of acme\.typed double: n:/,
  );
});

Deno.test("an instrument's declared schemas apply to its inference method only", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.model",
    instrument: {
      model: "tiny",
      provider: "local",
      method: "classify",
      input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      output: { type: "object", properties: { label: { type: "string" } }, required: ["label"] },
    },
    main: `export function activate() {
      return {
        classify: (input) => ({ label: input.text === "" ? 0 : input.text.length > 3 ? "long" : "short" }),
        info: () => ({ model: "tiny" }),
      };
    }`,
  });
  assert.deepEqual(await s.conductor.call("acme.model", "classify", { text: "hello" }), {
    label: "long",
  });
  await assertFails(
    s.conductor.call("acme.model", "classify", { text: 5 }),
    "InvalidInput",
    /Cannot accept the input of acme\.model classify: text:/,
  );
  await assertFails(
    s.conductor.call("acme.model", "classify", { text: "" }),
    "InvalidOutput",
    /Cannot accept the output of acme\.model classify: label:/,
  );
  assert.deepEqual(await s.conductor.call("acme.model", "info", null), { model: "tiny" });
});

Deno.test("a result that is not JSON is InvalidOutput", async () => {
  await using s = await stage();
  await s.install(attacker("acme.bigint", `return { big: 10n };`));
  await assertFails(
    s.conductor.call("acme.bigint", "run", null),
    "InvalidOutput",
    /cannot be sent: .*BigInt/,
  );
});

Deno.test("a process that dies fails its calls with Crashed and starts again on the next call", async () => {
  await using s = await stage();
  await s.install(attacker("acme.fragile", `if (input.die) Deno.exit(3); return "alive";`));
  await assertFails(
    s.conductor.call("acme.fragile", "run", { die: true }),
    "Crashed",
    /exited \(exit code 3\)/,
  );
  assert.equal(await s.conductor.call("acme.fragile", "run", { die: false }), "alive");
});

Deno.test("an error in activate is reported as such, with the extension's message", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.broken",
    main: `export function activate() { throw new Error("no model file"); }`,
  });
  await assertFails(
    s.conductor.call("acme.broken", "run", null),
    "ExtensionError",
    /Cannot activate acme\.broken: no model file/,
  );
});

Deno.test("extensions call only the extensions they declared", async () => {
  await using s = await stage();
  await s.install(
    attacker("acme.friendly", `return await ctx.call("acme.benign", "echo", input);`, {
      dependencies: { "acme.benign": "^1.0.0" },
      events: { calls: ["acme.benign"] },
    }),
  );
  assert.deepEqual(await s.conductor.call("acme.friendly", "run", "hi"), { echoed: "hi" });
  await s.install(attacker("evil.caller", `return await ctx.call("acme.benign", "echo", input);`));
  await assertFails(
    s.conductor.call("evil.caller", "run", "hi"),
    // The host's refusal keeps its code through the extension that did not catch it.
    "PermissionDenied",
    /Cannot call acme\.benign: evil\.caller does not list it in events\.calls/,
  );
});

Deno.test("the host ignores the id a process claims and refuses another protocol version", async (t) => {
  await using dir = await tempDir();
  const fake = async (answer: unknown) => {
    const script = `${dir.path}/fake.ts`;
    await Deno.writeTextFile(
      script,
      `const stdin = Deno.stdin.readable.getReader();
      const { value } = await stdin.read();
      const { id } = JSON.parse(new TextDecoder().decode(value).split("\\n")[0]);
      const answer = JSON.stringify({ jsonrpc: "2.0", id, result: ${JSON.stringify(answer)} });
      Deno.stdout.writeSync(new TextEncoder().encode(answer + "\\n"));
      await new Promise(() => {});`,
    );
    return await ExtensionProcess.start({
      id: "acme.real",
      command: {
        program: Deno.execPath(),
        args: ["run", "--quiet", script],
        env: {},
        cwd: dir.path,
      },
      spawner: denoSpawner,
      maxConcurrency: 1,
      initialize: {
        entry: "/nowhere.ts",
        settings: {},
        context: { workspace: "/", dataDir: "/", tmpDir: "/" },
      },
    });
  };
  await t.step("a claimed id changes nothing", async () => {
    const process = await fake({ protocol: 1, id: "acme.admin", methods: ["run"] });
    assert.equal(process.id, "acme.real");
    assert.deepEqual(process.methods, ["run"]);
    await process.kill();
  });
  await t.step("another protocol version is refused", async () => {
    await assertFails(
      fake({ protocol: 99, id: "acme.real", methods: [] }),
      "ProtocolError",
      /not a valid handshake/,
    );
  });
});

Deno.test("a Conductor with nothing installed answers NotFound", async () => {
  await using dir = await tempDir();
  await using conductor = new Conductor({ home: dir.path, workspace: dir.path });
  await assertFails(
    conductor.call("acme.none", "run", null),
    "NotFound",
    /acme\.none is not installed/,
  );
});

Deno.test("an installed entry module imports the SDK as @symphony/sdk", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.sdk-user",
    main: `import { defineOperator } from "@symphony/sdk";
      export const { activate } = defineOperator({ activate: (ctx) => ({ run: () => ctx.id }) });`,
  });
  assert.equal(await s.conductor.call("acme.sdk-user", "run", null), "acme.sdk-user");
});

Deno.test("an extension that floods the host with requests is stopped", async () => {
  await using s = await stage();
  await s.install(attacker(
    "evil.requests",
    `
    for (let i = 0; i < 1000; i++) ctx.call("acme.benign", "echo", i).catch(() => {});
    await new Promise(() => {});`,
    {
      dependencies: { "acme.benign": "^1.0.0" },
      events: { calls: ["acme.benign"] },
    },
  ));
  await assertFails(
    s.conductor.call("evil.requests", "run", null),
    "ProtocolError",
    /more than 64 requests without waiting/,
  );
  await s.assertBenignServes();
});

Deno.test("a flood of events is dropped and counted like log lines", async () => {
  await using s = await stage();
  await s.install(
    attacker(
      "evil.events",
      `for (let i = 0; i < 50000; i++) ctx.publish("not.declared", i); return "done";`,
    ),
  );
  assert.equal(await s.conductor.call("evil.events", "run", null), "done");
  await s.assertBenignServes();
  const lines = s.logs.filter((l) => l.id === "evil.events");
  assert.ok(lines.length < 1_000, `${lines.length} lines were let through`);
  assert.ok(
    lines.some((l) =>
      /dropped \d+ event\(s\), the last on "not\.declared": not listed in events\.publish/.test(
        l.message,
      )
    ),
  );
});

Deno.test("a cancelled call that waited for a slot does not hold up the calls behind it", async () => {
  await using s = await stage();
  await s.install({
    id: "acme.single",
    resources: { max_concurrency: 1 },
    functions: [{ name: "work" }],
    main:
      `export function activate() { return { work: async (ms) => { await new Promise((r) => setTimeout(r, ms)); return ms; } }; }`,
  });
  // Calls on the process itself queue synchronously, so the abort surely
  // reaches a call that is waiting for the slot.
  const process = await s.conductor.start("acme.single");
  const options = { timeoutMs: 5_000 };
  const first = process.call("work", 50, options);
  const controller = new AbortController();
  const second = process.call("work", 0, { ...options, signal: controller.signal });
  const third = process.call("work", 1, options);
  controller.abort();
  await assertFails(second, "Timeout", /cancelled/);
  assert.equal(await first, 50);
  assert.equal(await third, 1);
});

Deno.test("npm imports are cached at install and run without the network", async () => {
  await using s = await stage();
  await s.install(attacker(
    "acme.npm-user",
    `
    const { default: isNumber } = await import("npm:is-number@7.0.0");
    return [isNumber(5), isNumber("x")];`,
  ));
  assert.deepEqual(await s.conductor.call("acme.npm-user", "run", null), [true, false]);
  // The package sits in the extension's own cache, which the extension itself may not read.
  const cache = `${s.root}/home/cache/acme.npm-user`;
  assert.ok((await Array.fromAsync(Deno.readDir(`${cache}/npm`))).length > 0);
  // A specifier computed at run time was not cached at install, and cannot be fetched now.
  await s.install(
    attacker(
      "evil.npm-fetch",
      `return Object.keys(await import(["npm:is-odd", "3.0.1"].join("@")));`,
    ),
  );
  await assertFails(
    s.conductor.call("evil.npm-fetch", "run", null),
    "ExtensionError",
    /cached-only|not found in the cache|Could not find/i,
  );
});

Deno.test("a reinstalled version runs with its own schemas", async () => {
  await using s = await stage();
  const typed = (version: string, field: string, type: string) => ({
    id: "acme.versioned",
    version,
    functions: [{
      name: "run",
      input: { type: "object", properties: { [field]: { type } }, required: [field] },
    }],
    main: `export function activate() { return { run: (input) => "${version}" }; }`,
  });
  await s.install(typed("1.0.0", "n", "number"));
  assert.equal(await s.conductor.call("acme.versioned", "run", { n: 1 }), "1.0.0");
  await s.install(typed("2.0.0", "s", "string"));
  assert.equal(await s.conductor.call("acme.versioned", "run", { s: "x" }), "2.0.0");
  await assertFails(
    s.conductor.call("acme.versioned", "run", { n: 1 }),
    "InvalidInput",
    /input of acme\.versioned run: s:/,
  );
});
