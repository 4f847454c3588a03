// Containment, proven by attack: hostile extensions loop, bloat, flood, hang
// and crash. Each test asserts the error the caller gets, that the offending
// process is gone, that the host's memory did not balloon, and that a benign
// extension called right after still answers.
import assert from "node:assert/strict";
import { Conductor, type ConductorOptions } from "../conductor/mod.ts";
import { probeContainment } from "../sandbox/mod.ts";
import { assertFails, attacker, type Stage, stage } from "./extension_stage.ts";
import { alive, assertGone } from "./processes.ts";

// Short timings so that every limit trips within a test's time.
const FAST: Partial<ConductorOptions> = {
  limits: {
    watchIntervalMs: 100,
    pingIntervalMs: 300,
    pingTimeoutMs: 600,
    idleCpuWindowMs: 800,
    killGraceMs: 500,
    startTimeoutMs: 5_000,
  },
  restartPolicy: { baseDelayMs: 20, maxDelayMs: 100 },
};

const MIB = 1024 * 1024;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls until `check` holds: the host records a kill just after the process is gone.
async function eventually(
  check: () => Promise<boolean>,
  what: string,
  withinMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `never happened: ${what}`);
    await delay(25);
  }
}

// The state letter of a process (R running, S sleeping, T stopped).
async function processState(pid: number): Promise<string> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`] }).output();
  const text = new TextDecoder().decode(out.stdout);
  return text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3);
}

// Runs an attack and checks what every attack must leave behind.
async function afterAttack(s: Stage, rssBefore: number): Promise<void> {
  await s.assertBenignServes();
  const grown = Deno.memoryUsage().rss - rssBefore;
  assert.ok(grown < 96 * MIB, `the host grew by ${Math.round(grown / MIB)} MiB`);
}

Deno.test("an infinite loop in a call gets Timeout at once and the process is killed", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(attacker("acme.loop", "while (true) {}", { resources: { timeout_ms: 500 } }));
  const pid = (await s.conductor.start("acme.loop")).pid;
  const started = Date.now();
  await assertFails(
    s.conductor.call("acme.loop", "run", null),
    "Timeout",
    /no answer within 500 ms/,
  );
  assert.ok(Date.now() - started < 2_000, "the caller waited far past timeout_ms");
  await assertGone(pid);
  await eventually(async () => await s.conductor.state("acme.loop") === "stopped", "stopped");
  assert.equal((await s.conductor.history("acme.loop")).at(-1)?.code, "Timeout");
  await afterAttack(s, rss);
});

Deno.test("an infinite loop in activate fails the start with Timeout and kills the process", async () => {
  await using s = await stage({}, { ...FAST, limits: { ...FAST.limits, startTimeoutMs: 1_500 } });
  const rss = Deno.memoryUsage().rss;
  await s.install({
    id: "acme.stuck",
    main: "export function activate() { while (true) {} }",
  });
  await assertFails(s.conductor.call("acme.stuck", "run", null), "Timeout", /initialize/);
  const started = s.changes.find((c) => c.id === "acme.stuck" && c.to === "starting");
  assert.ok(started !== undefined);
  assert.equal(await s.conductor.state("acme.stuck"), "crashed");
  assert.equal(s.conductor.isRunning("acme.stuck"), false);
  await afterAttack(s, rss);
});

Deno.test("a heap bomb gets ResourceExhausted and the process is gone", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.heap",
      "const keep = []; while (true) keep.push({ n: keep.length, s: 'x'.repeat(64) });",
      {
        resources: { memory_mb: 64, timeout_ms: 20_000 },
      },
    ),
  );
  const pid = (await s.conductor.start("acme.heap")).pid;
  await assertFails(s.conductor.call("acme.heap", "run", null), "ResourceExhausted", /memory/);
  await assertGone(pid);
  await afterAttack(s, rss);
});

Deno.test("an ArrayBuffer bomb, outside the V8 heap, is stopped by the resident-memory watchdog", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.buffers",
      `globalThis.keep = [];
       while (true) {
         globalThis.keep.push(new Uint8Array(16 * 1024 * 1024).fill(1));
         await new Promise((r) => setTimeout(r, 5));
       }`,
      { resources: { memory_mb: 96, timeout_ms: 20_000 } },
    ),
  );
  const pid = (await s.conductor.start("acme.buffers")).pid;
  await assertFails(
    s.conductor.call("acme.buffers", "run", null),
    "ResourceExhausted",
    /over its memory_mb of 96/,
  );
  await assertGone(pid);
  await eventually(
    async () => (await s.conductor.history("acme.buffers")).at(-1)?.code === "ResourceExhausted",
    "the kill is in the history",
  );
  await afterAttack(s, rss);
});

Deno.test("a burst allocation past the data-segment limit fails inside the extension", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  // 4 GiB at once: the data limit (memory_mb + 1 GiB) refuses it before the watchdog could look.
  await s.install(
    attacker("acme.burst", "return new Uint8Array(4 * 1024 * 1024 * 1024).length;", {
      resources: { memory_mb: 64 },
    }),
  );
  await assertFails(
    s.conductor.call("acme.burst", "run", null),
    "ExtensionError",
    /allocation failed|Invalid typed array length|out of memory/i,
  );
  await afterAttack(s, rss);
});

Deno.test("a console flood is dropped and counted; raw bytes on stdout stop the process", async (t) => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await t.step("console output past the rate limit is dropped with a counted warning", async () => {
    await s.install(
      attacker(
        "acme.chatty",
        `const line = 'x'.repeat(100);
         for (let i = 0; i < 20000; i++) console.log(line);
         await new Promise((r) => setTimeout(r, 1100));
         console.log('after');
         return 'done';`,
      ),
    );
    assert.equal(await s.conductor.call("acme.chatty", "run", null), "done");
    await s.nextLog((l) => l.id === "acme.chatty" && l.message === "after");
    const lines = s.logs.filter((l) => l.id === "acme.chatty");
    const delivered = lines.filter((l) => l.message.startsWith("xxx") || l.message === "after");
    const dropped = lines.filter((l) => /^\d+ log lines or events dropped/.test(l.message))
      .reduce((sum, l) => sum + Number.parseInt(l.message), 0);
    assert.ok(delivered.length < 1_000, `${delivered.length} lines reached the host's sink`);
    // Every line is accounted for: delivered or counted as dropped.
    assert.equal(delivered.length + dropped, 20_001);
  });
  await t.step(
    "a flood that goes on is read slowly and dropped, and the host stays well",
    async () => {
      await s.install(
        attacker(
          "acme.firehose",
          `const line = 'y'.repeat(1024);
         const burst = () => { for (let i = 0; i < 1000; i++) console.log(line); setTimeout(burst, 0); };
         setTimeout(burst, 0);
         return 'flooding';`,
        ),
      );
      assert.equal(await s.conductor.call("acme.firehose", "run", null), "flooding");
      await delay(2_000);
      await s.assertBenignServes();
      const delivered = s.logs.filter((l) =>
        l.id === "acme.firehose" && l.message.startsWith("yyy")
      );
      assert.ok(delivered.length < 1_000, `${delivered.length} lines reached the host's sink`);
      await s.conductor.stop("acme.firehose");
    },
  );
  await t.step("bytes written straight to stdout are a ProtocolError", async () => {
    await s.install(
      attacker(
        "acme.raw",
        "Deno.stdout.writeSync(new TextEncoder().encode('not a frame\\n')); await new Promise(() => {});",
      ),
    );
    const pid = (await s.conductor.start("acme.raw")).pid;
    await assertFails(s.conductor.call("acme.raw", "run", null), "ProtocolError");
    await assertGone(pid);
  });
  await afterAttack(s, rss);
});

Deno.test("a stderr flood stops the process with ResourceExhausted", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.stderr",
      `const chunk = new TextEncoder().encode('e'.repeat(64 * 1024) + '\\n');
       while (true) { Deno.stderr.writeSync(chunk); await new Promise((r) => setTimeout(r, 0)); }`,
      { resources: { timeout_ms: 20_000 } },
    ),
  );
  const pid = (await s.conductor.start("acme.stderr")).pid;
  await assertFails(
    s.conductor.call("acme.stderr", "run", null),
    "ResourceExhausted",
    /flooded stderr/,
  );
  await assertGone(pid);
  await afterAttack(s, rss);
});

Deno.test("a 200 MB response never reaches the host whole", async (t) => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await t.step("returned through the runtime: InvalidOutput, over the frame limit", async () => {
    await s.install(
      attacker("acme.huge", "return 'x'.repeat(200 * 1024 * 1024);", {
        resources: { memory_mb: 1024, timeout_ms: 20_000 },
      }),
    );
    await assertFails(s.conductor.call("acme.huge", "run", null), "InvalidOutput", /frame limit/);
  });
  await t.step("written raw as one line: ProtocolError before the line ends", async () => {
    await s.install(
      attacker(
        "acme.hugeraw",
        `const chunk = new TextEncoder().encode('{"jsonrpc":"2.0","id":2,"result":"' + 'x'.repeat(1024 * 1024 - 40));
         const filler = new TextEncoder().encode('x'.repeat(1024 * 1024));
         Deno.stdout.writeSync(chunk);
         for (let i = 0; i < 200; i++) Deno.stdout.writeSync(filler);
         await new Promise(() => {});`,
        { resources: { timeout_ms: 20_000 } },
      ),
    );
    const pid = (await s.conductor.start("acme.hugeraw")).pid;
    await assertFails(s.conductor.call("acme.hugeraw", "run", null), "ProtocolError", /limit/);
    await assertGone(pid);
  });
  await afterAttack(s, rss);
});

Deno.test("thousands of timers spinning an idle process get it stopped", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.timers",
      "for (let i = 0; i < 20000; i++) setInterval(() => {}, 0); return 'armed';",
    ),
  );
  const pid = (await s.conductor.start("acme.timers")).pid;
  assert.equal(await s.conductor.call("acme.timers", "run", null), "armed");
  await assertGone(pid, 10_000);
  await eventually(
    async () => (await s.conductor.history("acme.timers")).length > 0,
    "the kill is in the history",
  );
  const crash = (await s.conductor.history("acme.timers")).at(-1);
  assert.equal(crash?.code, "ResourceExhausted");
  assert.match(crash?.reason ?? "", /burned CPU for \d+ ms with no call running/);
  await afterAttack(s, rss);
});

Deno.test("opening files past max_open_files fails in the extension, not in the host", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.files",
      `const held = [];
       try { while (held.length < 100000) held.push(Deno.openSync(ctx.dataDir)); }
       catch (error) { return { opened: held.length, error: String(error) }; }
       return { opened: held.length };`,
      { resources: { max_open_files: 64 } },
    ),
  );
  const result = await s.conductor.call("acme.files", "run", null) as {
    opened: number;
    error?: string;
  };
  assert.ok(result.opened < 64, `opened ${result.opened} files`);
  assert.match(result.error ?? "", /Too many open files/);
  await afterAttack(s, rss);
});

Deno.test("a SIGTERM handler that refuses to exit is killed after the grace period", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.stubborn",
      `Deno.addSignalListener("SIGTERM", () => console.log("not leaving"));
       while (true) {}`,
      { resources: { timeout_ms: 400 } },
    ),
  );
  const pid = (await s.conductor.start("acme.stubborn")).pid;
  await assertFails(s.conductor.call("acme.stubborn", "run", null), "Timeout");
  // Grace is 500 ms: SIGKILL follows whatever the handler does.
  await assertGone(pid, 3_000);
  await afterAttack(s, rss);
});

Deno.test("an extension that crashes on every start is disabled after 3 crashes and stays so", async () => {
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install({ id: "acme.crashy", main: "Deno.exit(3);" });
  for (let i = 0; i < 3; i++) {
    await assertFails(s.conductor.call("acme.crashy", "run", null), "Crashed", /exit code 3/);
  }
  assert.equal(await s.conductor.state("acme.crashy"), "disabled");
  await assertFails(
    s.conductor.call("acme.crashy", "run", null),
    "Disabled",
    /disabled .*3 crashes.*symphony enable acme\.crashy/,
  );
  const history = await s.conductor.history("acme.crashy");
  assert.deepEqual(history.map((h) => h.event), ["crashed", "crashed", "crashed", "disabled"]);
  assert.ok(history.every((h) => !Number.isNaN(Date.parse(h.at))));
  // The backoff grew between the restarts.
  const waits = s.changes.filter((c) => c.id === "acme.crashy" && /^waiting \d+ ms/.test(c.reason));
  assert.equal(waits.length, 2);
  await afterAttack(s, rss);
  // Enabling clears the breaker: the next call starts it again (and it crashes again).
  await s.conductor.enable("acme.crashy");
  assert.notEqual(await s.conductor.state("acme.crashy"), "disabled");
  await assertFails(s.conductor.call("acme.crashy", "run", null), "Crashed");
  assert.notEqual(await s.conductor.state("acme.crashy"), "disabled");
});

Deno.test("a crash in activate is reported with the extension's own message", async () => {
  await using s = await stage({}, FAST);
  await s.install({
    id: "acme.badstart",
    main: "export function activate() { throw new Error('the model file is missing'); }",
  });
  await assertFails(
    s.conductor.call("acme.badstart", "run", null),
    "ExtensionError",
    /Cannot activate acme\.badstart: the model file is missing/,
  );
  assert.equal(await s.conductor.state("acme.badstart"), "crashed");
  assert.equal((await s.conductor.history("acme.badstart"))[0]?.event, "crashed");
});

Deno.test("a crash fails the calls in flight with Crashed and the next call restarts it", async () => {
  await using s = await stage({}, FAST);
  await s.install(
    attacker("acme.fragile", "if (input === 'die') Deno.exit(1); return 'alive';"),
  );
  const first = (await s.conductor.start("acme.fragile")).pid;
  await assertFails(s.conductor.call("acme.fragile", "run", "die"), "Crashed", /exit code 1/);
  await assertGone(first);
  assert.equal(await s.conductor.call("acme.fragile", "run", "live"), "alive");
  const second = (await s.conductor.start("acme.fragile")).pid;
  assert.notEqual(second, first);
  assert.equal(await s.conductor.state("acme.fragile"), "ready");
});

Deno.test("a hang that answers no ping is stopped as a crash", async () => {
  // Atomics.wait blocks the event loop without burning CPU: only the ping can tell.
  await using s = await stage({}, FAST);
  const rss = Deno.memoryUsage().rss;
  await s.install(
    attacker(
      "acme.hang",
      "setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 10); return 'ok';",
    ),
  );
  const pid = (await s.conductor.start("acme.hang")).pid;
  assert.equal(await s.conductor.call("acme.hang", "run", null), "ok");
  await assertGone(pid, 5_000);
  await eventually(
    async () => (await s.conductor.history("acme.hang")).length > 0,
    "the hang is in the history",
  );
  const crash = (await s.conductor.history("acme.hang")).at(-1);
  assert.equal(crash?.event, "crashed");
  assert.match(crash?.reason ?? "", /hung \(no answer to a ping within 600 ms\)/);
  await afterAttack(s, rss);
});

Deno.test("a busy, healthy extension is never killed for being busy", async () => {
  await using s = await stage({}, FAST);
  await s.install(
    attacker(
      "acme.worker",
      "const end = Date.now() + 2500; let n = 0; while (Date.now() < end) n++; return n > 0;",
      { resources: { timeout_ms: 10_000 } },
    ),
  );
  // 2.5 s of CPU in a call: longer than the ping interval, timeout and idle-CPU window.
  assert.equal(await s.conductor.call("acme.worker", "run", null), true);
  assert.deepEqual(await s.conductor.history("acme.worker"), []);
  assert.equal(await s.conductor.state("acme.worker"), "ready");
});

Deno.test("states follow installed → starting → ready ⇄ busy → stopping → stopped", async () => {
  await using s = await stage({}, FAST);
  assert.equal(await s.conductor.state("acme.benign"), "installed");
  await s.assertBenignServes();
  await s.conductor.stop("acme.benign");
  const path = s.changes.filter((c) => c.id === "acme.benign").map((c) => `${c.from}→${c.to}`);
  assert.deepEqual(path, [
    "installed→starting",
    "starting→ready",
    "ready→busy",
    "busy→ready",
    "ready→stopping",
    "stopping→stopped",
  ]);
  assert.ok(s.changes.every((c) => c.reason.length > 0), "every change has a reason");
  assert.equal(s.conductor.transitions("acme.benign").length, path.length);
});

Deno.test("dependencies are started, and ready, before the extension that needs them", async () => {
  await using s = await stage({}, FAST);
  await s.install(attacker("acme.base", "return 'base';"));
  await s.install(
    attacker("acme.top", "return 'top';", { dependencies: { "acme.base": "^1.0.0" } }),
  );
  assert.equal(await s.conductor.call("acme.top", "run", null), "top");
  const order = s.changes.filter((c) => c.to === "ready").map((c) => c.id);
  assert.deepEqual(order.slice(0, 2), ["acme.base", "acme.top"]);
});

Deno.test("suspend stops the process with SIGSTOP; calls wait until resume", async () => {
  await using s = await stage({}, FAST);
  await s.install(attacker("acme.sleepy", "return input;", { resources: { timeout_ms: 5_000 } }));
  const pid = (await s.conductor.start("acme.sleepy")).pid;
  await s.conductor.suspend("acme.sleepy");
  assert.equal(await s.conductor.state("acme.sleepy"), "suspended");
  // SIGSTOP takes effect when the kernel next schedules the process.
  await eventually(async () => await processState(pid) === "T", "stopped with SIGSTOP");
  let answered = false;
  const call = s.conductor.call("acme.sleepy", "run", 7).then((v) => (answered = true, v));
  await delay(1_000);
  assert.equal(answered, false, "a call reached a suspended extension");
  assert.equal(await alive(pid), true, "a suspended process must not be taken for hung");
  await s.conductor.resume("acme.sleepy");
  assert.equal(await call, 7);
  await eventually(async () => await processState(pid) !== "T", "continued");
  assert.deepEqual(
    (await s.conductor.history("acme.sleepy")).map((h) => h.event),
    ["suspended", "resumed"],
  );
});

Deno.test("with suspendedCalls: fail, a call to a suspended extension fails at once", async () => {
  await using s = await stage({}, { ...FAST, suspendedCalls: "fail" });
  await s.conductor.suspend("acme.benign");
  await assertFails(s.conductor.call("acme.benign", "echo", null), "Disabled", /suspended/);
  await s.conductor.resume("acme.benign");
  await s.assertBenignServes();
});

Deno.test("startEager starts the extensions configured to start with the host", async () => {
  await using s = await stage({}, FAST);
  await s.install(attacker("acme.lazy", "return 1;"));
  await s.install({ ...attacker("acme.keen", "return 1;"), activation: "eager" });
  await s.conductor.startEager();
  assert.equal(s.conductor.isRunning("acme.keen"), true);
  assert.equal(s.conductor.isRunning("acme.lazy"), false);
});

Deno.test("limits the platform cannot enforce are announced once, at the first start", async () => {
  await using s = await stage({}, {
    ...FAST,
    containment: probeContainment({ os: "darwin" }),
    sampler: () => Promise.resolve(new Map()),
  });
  await s.assertBenignServes();
  await s.install(attacker("acme.second", "return 2;"));
  assert.equal(await s.conductor.call("acme.second", "run", null), 2);
  await eventually(() => Promise.resolve(s.notices.length >= 4), "four notices");
  const messages = s.notices.map((n) => n.message);
  assert.equal(messages.length, new Set(messages).size, "a notice was repeated");
  assert.ok(messages.some((m) => /open files/i.test(m)), messages.join("\n"));
  assert.ok(messages.some((m) => /no \/proc/.test(m)), messages.join("\n"));
  assert.ok(s.notices.every((n) => n.level === "warn" && n.id === undefined));
});

Deno.test("the memory watchdog still holds after suspend and resume", async () => {
  await using s = await stage({}, FAST);
  await s.install(
    attacker(
      "acme.sleeper",
      `if (input !== 'bloat') return 'ok';
       globalThis.keep = [];
       setTimeout(async () => {
         while (true) {
           globalThis.keep.push(new Uint8Array(16 * 1024 * 1024).fill(1));
           await new Promise((r) => setTimeout(r, 5));
         }
       }, 0);
       return 'bloating';`,
      { resources: { memory_mb: 96 } },
    ),
  );
  assert.equal(await s.conductor.call("acme.sleeper", "run", "x"), "ok");
  const pid = (await s.conductor.start("acme.sleeper")).pid;
  await s.conductor.suspend("acme.sleeper");
  await s.conductor.resume("acme.sleeper");
  assert.equal(await s.conductor.call("acme.sleeper", "run", "bloat"), "bloating");
  await assertGone(pid);
  await eventually(
    async () => (await s.conductor.history("acme.sleeper")).at(-1)?.code === "ResourceExhausted",
    "the memory kill is in the history",
  );
});

Deno.test("stopping the host does not wait out a crash backoff, nor start anything", async () => {
  await using s = await stage({}, {
    ...FAST,
    restartPolicy: { baseDelayMs: 60_000, maxDelayMs: 60_000, crashesToDisable: 10 },
  });
  await s.install(attacker("acme.once", "if (input === 'die') Deno.exit(1); return 'alive';"));
  await assertFails(s.conductor.call("acme.once", "run", "die"), "Crashed");
  // The restart now waits 30 to 90 s; the host stops first.
  const waiting = s.conductor.call("acme.once", "run", "live");
  await eventually(
    () => Promise.resolve(s.changes.some((c) => c.id === "acme.once" && /^waiting/.test(c.reason))),
    "the backoff started",
  );
  const refused = assertFails(waiting, "Crashed", /the host is stopping/);
  await s.conductor.stopAll();
  await refused;
  assert.equal(s.conductor.isRunning("acme.once"), false);
});

Deno.test("a running host applies what another host process changed", async () => {
  await using s = await stage({}, FAST);
  await s.install(
    attacker("acme.remote", "return await Deno.readTextFile(input);", {
      permissions: { read: ["${workspace}"] },
    }),
  );
  const notes = `${s.workspace}/granted/notes.txt`;
  assert.equal(await s.conductor.call("acme.remote", "run", notes), "hello");
  // The command line is another process with its own Conductor on the same home.
  await using other = new Conductor({ home: s.conductor.layout.home, workspace: s.workspace });
  const pid = (await s.conductor.start("acme.remote")).pid;

  await other.suspend("acme.remote");
  await eventually(async () => await processState(pid) === "T", "suspended with SIGSTOP");
  await other.resume("acme.remote");
  await eventually(async () => await processState(pid) !== "T", "resumed");
  assert.equal(await s.conductor.call("acme.remote", "run", notes), "hello");

  await other.revoke("acme.remote", "read");
  await assertGone(pid);
  // Restarted at once with the new flags, not on its next use.
  await eventually(() => Promise.resolve(s.conductor.isRunning("acme.remote")), "restarted");
  await assertFails(s.conductor.call("acme.remote", "run", notes), "PermissionDenied");

  // A trust tier bounds the flags: its change restarts the process too.
  const revoked = (await s.conductor.start("acme.remote")).pid;
  await other.setTrust("acme.remote", "trusted");
  await assertGone(revoked);
  await eventually(() => Promise.resolve(s.conductor.isRunning("acme.remote")), "restarted");

  await other.disable("acme.remote");
  await eventually(async () => await s.conductor.state("acme.remote") === "disabled", "disabled");
  await assertFails(s.conductor.call("acme.remote", "run", notes), "Disabled");
});
