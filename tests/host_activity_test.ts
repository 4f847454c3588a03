// What the host tells its own subscribers (the web UI) about each extension:
// activity points (memory, CPU, calls and errors), log lines, permission
// denials and crashes, as bus events and as recent history. None of it
// reaches extensions, even one that subscribes to every topic.
import assert from "node:assert/strict";
import type { BusEvent, ConductorOptions, ProcessSample } from "../conductor/mod.ts";
import { uninstallExtension } from "../kit/mod.ts";
import { assertFails, attacker, type Stage, stage } from "./extension_stage.ts";

const MiB = 1024 * 1024;

/**
 * A sampler whose processes each use 10 % of a core and 20 MiB: every tick
 * adds 100 ms of clock and 10 ms of CPU, per process.
 */
function steadySampler(): NonNullable<ConductorOptions["sampler"]> {
  const ticks = new Map<number, number>();
  return (pids) => {
    const samples = new Map<number, ProcessSample>();
    for (const pid of pids) {
      const tick = (ticks.get(pid) ?? 0) + 1;
      ticks.set(pid, tick);
      samples.set(pid, { at: tick * 100, rssBytes: 20 * MiB, cpuMs: tick * 10 });
    }
    return Promise.resolve(samples);
  };
}

const WATCHED: Partial<ConductorOptions> = {
  limits: { watchIntervalMs: 50 },
  sampler: steadySampler(),
};

function collect(s: Stage, pattern: string): BusEvent[] {
  const seen: BusEvent[] = [];
  s.conductor.events.subscribe(pattern, (event) => seen.push(event));
  return seen;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("each sample of a running extension is an activity point with its calls and errors", async () => {
  await using s = await stage({}, WATCHED);
  await s.install(attacker("acme.flaky", "if (input === 'fail') throw new Error('no'); return 1;"));
  const published = collect(s, "extension.sample");
  assert.equal(await s.conductor.call("acme.flaky", "run", "ok"), 1);
  await s.conductor.call("acme.flaky", "run", "ok");
  await assert.rejects(s.conductor.call("acme.flaky", "run", "fail"));
  await until(
    () =>
      s.conductor.metrics("acme.flaky").reduce((sum, p) => sum + p.calls, 0) >= 3 &&
      s.conductor.metrics("acme.flaky").length >= 3,
    "the calls to show in the activity points",
  );
  const points = s.conductor.metrics("acme.flaky");
  assert.equal(points.reduce((sum, p) => sum + p.calls, 0), 3);
  assert.equal(points.reduce((sum, p) => sum + p.errors, 0), 1);
  assert.ok(points.every((p) => p.id === "acme.flaky" && p.rssBytes === 20 * MiB));
  // The first point has no previous sample; every later one is 10 ms of CPU per 100 ms.
  assert.deepEqual(new Set(points.slice(1).map((p) => p.cpuPercent)), new Set([10]));
  // The same points went out on the bus, in order.
  const mine = published.filter((e) => (e.payload as { id: string }).id === "acme.flaky");
  assert.deepEqual(
    mine.map((e) => e.payload).slice(0, points.length),
    points.slice(0, mine.length),
  );
  assert.ok(mine.every((e) => e.from === "host"));
});

Deno.test("calls that crash the extension count as errors though no sample follows", async () => {
  await using s = await stage({}, {
    ...WATCHED,
    restartPolicy: { baseDelayMs: 10, maxDelayMs: 20 },
  });
  await s.install(attacker("acme.crasher", "Deno.exit(3);"));
  await assertFails(s.conductor.call("acme.crasher", "run", null), "Crashed");
  await assertFails(s.conductor.call("acme.crasher", "run", null), "Crashed");
  const total = (field: "calls" | "errors"): number =>
    s.conductor.metrics("acme.crasher").reduce((sum, p) => sum + p[field], 0);
  await until(() => total("calls") === 2, "both calls in the activity");
  assert.equal(total("errors"), 2);
  assert.ok(s.conductor.metrics("acme.crasher").every((p) => p.rssBytes === 0));
});

Deno.test("calls refused while no process runs are one point per interval, not one each", async () => {
  await using s = await stage({}, WATCHED);
  await s.install(attacker("acme.off", "return 1;"));
  await s.conductor.disable("acme.off");
  const published = collect(s, "extension.sample");
  for (let i = 0; i < 200; i++) {
    await assertFails(s.conductor.call("acme.off", "run", null), "Disabled");
  }
  const total = (): number => s.conductor.metrics("acme.off").reduce((sum, p) => sum + p.calls, 0);
  await until(() => total() === 200, "the refused calls in the activity");
  assert.equal(s.conductor.metrics("acme.off").reduce((sum, p) => sum + p.errors, 0), 200);
  assert.ok(published.length < 20, `${published.length} points for 200 calls`);
});

Deno.test("a stopped extension's last point shows no memory", async () => {
  await using s = await stage({}, WATCHED);
  await s.assertBenignServes();
  await until(() => s.conductor.metrics("acme.benign").length > 0, "a sample");
  assert.ok((s.conductor.metrics("acme.benign").at(-1)?.rssBytes ?? 0) > 0);
  await s.conductor.stop("acme.benign");
  await until(
    () => s.conductor.metrics("acme.benign").at(-1)?.rssBytes === 0,
    "the point of its exit",
  );
});

Deno.test("a call's timeout kill is published and audited as a limit kill", async () => {
  await using s = await stage();
  await s.install(attacker("acme.slow", "while (true) {}", { resources: { timeout_ms: 300 } }));
  const published = collect(s, "extension.crashed");
  await assertFails(s.conductor.call("acme.slow", "run", null), "Timeout");
  await until(() => published.length > 0, "the limit kill");
  const payload = published[0]?.payload as Record<string, unknown>;
  assert.deepEqual([payload.id, payload.kind, payload.code], [
    "acme.slow",
    "limit-kill",
    "Timeout",
  ]);
  // The audit trail keeps it too: a limit kill, not a crash, naming the limit it passed.
  const kills = () => s.conductor.audit.list({ extension: "acme.slow", kind: "limit-kill" });
  await until(() => kills().length > 0, "the limit kill in the audit trail");
  const [kill] = kills();
  assert.equal(kill?.actor, "conductor");
  assert.equal(kill?.detail.code, "Timeout");
  assert.match(String(kill?.detail.reason), /ran past 300 ms/);
  assert.deepEqual(s.conductor.audit.list({ extension: "acme.slow", kind: "crash" }), []);
});

Deno.test("an extension installed again starts afresh: no state, suspension, activity or logs", async () => {
  await using s = await stage({}, WATCHED);
  const talker = attacker("acme.again", "console.log('hello'); return 1;");
  await s.install(talker);
  await s.conductor.call("acme.again", "run", null);
  await s.nextLog((line) => line.id === "acme.again");
  await until(() => s.conductor.metrics("acme.again").length > 0, "a point");
  await s.conductor.suspend("acme.again");
  const published = collect(s, "extension.uninstalled");
  await uninstallExtension("acme.again", { conductor: s.conductor });
  assert.deepEqual(published.map((e) => e.payload), [{ id: "acme.again" }]);
  // A call to it now leaves no trace for the next install either.
  await assertFails(s.conductor.call("acme.again", "run", null), "NotFound");
  await s.install(talker);
  assert.deepEqual(s.conductor.logs("acme.again"), []);
  assert.deepEqual(s.conductor.transitions("acme.again"), []);
  assert.deepEqual(s.conductor.metrics("acme.again"), []);
  assert.equal(await s.conductor.state("acme.again"), "installed");
  assert.equal(await s.conductor.call("acme.again", "run", null), 1);
});

Deno.test("calls to an extension that is not installed leave no trace in the activity", async () => {
  await using s = await stage({}, WATCHED);
  await assertFails(s.conductor.call("acme.nobody", "run", null), "NotFound");
  assert.deepEqual(s.conductor.metrics("acme.nobody"), []);
});

Deno.test("log lines are kept per extension with their time and published", async () => {
  await using s = await stage();
  await s.install(attacker("acme.talker", "console.warn('careful: ' + input); return 1;"));
  const published = collect(s, "extension.log");
  await s.conductor.call("acme.talker", "run", "step 1");
  await s.nextLog((line) => line.message.includes("careful: step 1"));
  const kept = s.conductor.logs("acme.talker");
  const line = kept.find((l) => l.message.includes("careful: step 1"));
  assert.ok(line, JSON.stringify(kept));
  assert.equal(line.level, "warn");
  assert.ok(Math.abs(Date.parse(line.at) - Date.now()) < 60_000, line.at);
  await until(() => published.length > 0, "the log event");
  assert.deepEqual(published.at(-1)?.payload, line);
  assert.deepEqual(s.conductor.logs("acme.benign"), []);
});

Deno.test("a permission denial is published with the extension and method", async () => {
  await using s = await stage();
  await s.install(attacker("acme.snoop", "return await Deno.readTextFile('/etc/hostname');"));
  const published = collect(s, "extension.denied");
  await assertFails(s.conductor.call("acme.snoop", "run", null), "PermissionDenied");
  assert.equal(published.length, 1);
  const payload = published[0]?.payload as Record<string, unknown>;
  assert.equal(payload.id, "acme.snoop");
  assert.equal(payload.method, "run");
  assert.match(String(payload.message), /read/);
});

Deno.test("a crash is published as its own event, before the state change", async () => {
  await using s = await stage({}, { restartPolicy: { baseDelayMs: 10, maxDelayMs: 20 } });
  await s.install(attacker("acme.crasher", "Deno.exit(3);"));
  const published = collect(s, "extension.*");
  await assertFails(s.conductor.call("acme.crasher", "run", null), "Crashed");
  await until(
    () => published.some((e) => e.topic === "extension.crashed"),
    "the crash event",
  );
  const crash = published.find((e) => e.topic === "extension.crashed");
  assert.deepEqual(
    { ...crash?.payload as Record<string, unknown>, reason: undefined },
    { id: "acme.crasher", kind: "crash", code: "Crashed", disabled: false, reason: undefined },
  );
  const crashed = published.findIndex((e) =>
    e.topic === "extension.state" && (e.payload as { to: string }).to === "crashed"
  );
  assert.ok(crashed > published.indexOf(crash as BusEvent), "the state change came first");
});

Deno.test("an extension subscribed to every topic receives none of the host's events", async () => {
  await using s = await stage({}, WATCHED);
  await s.install({
    id: "acme.eavesdropper",
    events: { subscribe: ["extension.*", "extension.*.*", "*"] },
    main: `export function activate() { return { ping: () => "pong" }; }
      export function onEvent(event) { console.log("overheard " + event.topic); }`,
  });
  await s.install(attacker("acme.victim", "console.log('the secret is 42'); return 1;"));
  await s.install(attacker("acme.pinger", "ctx.publish('ping', 1); return 1;", {
    events: { publish: ["ping"] },
  }));
  const published = collect(s, "extension.*");
  await s.conductor.call("acme.eavesdropper", "ping", null);
  await s.conductor.call("acme.victim", "run", null);
  await assertFails(s.conductor.call("acme.victim", "nothing", null), "NotFound");
  await until(
    () => published.some((e) => e.topic === "extension.sample"),
    "host events to be published",
  );
  await until(() => published.some((e) => e.topic === "extension.log"), "the victim's log");
  // An extension's event, published after the host's, reaches it: so would theirs have.
  await s.conductor.call("acme.pinger", "run", null);
  await s.nextLog((line) => line.message === "overheard ping");
  assert.deepEqual(
    s.logs.filter((l) => l.message.includes("overheard extension.")),
    [],
    "an extension received the host's events",
  );
});
