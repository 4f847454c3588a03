// The Conductor's own speed, each figure beside a baseline measured in the
// same run: durable audit appends in batches against plain inserts of the
// same columns in one transaction; verifying the audit chain against its
// WebCrypto digests alone, and against reading every row; an event fanned out to 50 subscribing extensions against the same
// events to 50 host listeners; a call from one extension to another against a
// direct call of the same method, and, inside the caller, against one round
// trip to the host. The figures are printed before the table.
//
// Run with `deno task bench`. Targets: at least 20,000 audit appends a second
// in batches; a million records verified in under 10 s; events per second to
// 50 subscribers (reported); a call between extensions adds under 2x one host
// round trip.
import { join } from "node:path";
import {
  type AuditEntry,
  AuditTrail,
  Conductor,
  type ExtensionLogLine,
  GENESIS_HASH,
  inTransaction,
  openHostDatabase,
} from "./mod.ts";
import { installExtension } from "../kit/mod.ts";
import { type HashedFields, recordText } from "./_audit_hashing.ts";
import type { DigestBenchReply, DigestBenchRequest } from "./_digest_bench_worker.ts";

const BATCH = 1_000;
const TIMED_BATCHES = 20;
const CHAIN_TARGET = 1_000_000;
// Built instead of the target, and extrapolated, when the target would take too long to build.
const CHAIN_FALLBACK = 200_000;
const CHAIN_BATCH = 10_000;
const CHAIN_BUILD_BUDGET_MS = 120_000;
// verify()'s default: one worker per core, at most 8.
const VERIFY_WORKERS = Math.min(navigator.hardwareConcurrency, 8);
const VERIFY_ROUNDS = 3;
const SUBSCRIBERS = 50;
const EVENTS = 200;
const TIMED_BURSTS = 3;
// An extension process's notifications share its log-line budget: 200 a second,
// 200 at once. A burst of EVENTS spends it; the next burst waits for it to refill.
const NOTIFICATION_REFILL_MS = (EVENTS / 200) * 1_000 + 100;
const FAN_OUT_TIMEOUT_MS = 30_000;
const TIMED_CALLS = 1_000;
const START_CONCURRENCY = 4;

const root = await Deno.makeTempDir({ prefix: "symphony-bench-" });
// Processes this bench started, killed on the way out.
const running = new Set<number>();
// Set on the way out: the kills below are not news.
let leaving = false;
globalThis.addEventListener("unload", () => {
  leaving = true;
  for (const pid of running) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // It has already exited.
    }
  }
  Deno.removeSync(root, { recursive: true });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function perSecond(count: number, ms: number): string {
  return Math.round(count / (ms / 1000)).toLocaleString("en-US");
}

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function entries(count: number): AuditEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: "call",
    extension: "bench.target",
    actor: "bench.caller",
    detail: { caller: "bench.caller", callee: "bench.target", method: "echo", outcome: "ok", i },
  }));
}

// Part 1: durable appends, in batches, against plain inserts of the same
// columns into a table shaped like the trail's (same indexes), in the same
// database, one transaction per batch, no hashing and no chaining.
const db = openHostDatabase(join(root, "append", "symphony.db"));
db.exec(
  `CREATE TABLE scratch (
     seq INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     extension TEXT,
     actor TEXT NOT NULL,
     detail TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   ) STRICT;
   CREATE INDEX scratch_by_extension ON scratch (extension, seq);
   CREATE INDEX scratch_by_kind ON scratch (kind, seq);`,
);
const trail = new AuditTrail(() => db);
const batch = entries(BATCH);
const insertRaw = db.prepare(
  "INSERT INTO scratch (at, kind, extension, actor, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
);

function insertPlain(list: readonly AuditEntry[]): void {
  const at = new Date().toISOString();
  inTransaction(db, () => {
    for (const entry of list) {
      insertRaw.run(
        at,
        entry.kind,
        entry.extension ?? null,
        entry.actor,
        JSON.stringify(entry.detail),
        GENESIS_HASH,
        GENESIS_HASH,
      );
    }
  });
}

let started = performance.now();
for (let i = 0; i < TIMED_BATCHES; i++) insertPlain(batch);
const plainMs = performance.now() - started;
started = performance.now();
for (let i = 0; i < TIMED_BATCHES; i++) await trail.append(batch);
const appendMs = performance.now() - started;
console.log(
  `audit: ${perSecond(TIMED_BATCHES * BATCH, appendMs)} appends/s in batches of ${BATCH} ` +
    `(target >= 20,000/s); plain inserts of the same columns: ` +
    `${perSecond(TIMED_BATCHES * BATCH, plainMs)}/s (appending takes ${
      (appendMs / plainMs).toFixed(1)
    }x as long)`,
);

Deno.bench({
  name: `plain insert of ${BATCH} rows in one transaction`,
  group: "audit append",
  baseline: true,
  n: 30,
  warmup: 3,
  fn(): void {
    insertPlain(batch);
  },
});

Deno.bench({
  name: `append a batch of ${BATCH} records`,
  group: "audit append",
  n: 30,
  warmup: 3,
  async fn(): Promise<void> {
    await trail.append(batch);
  },
});

// Part 2: verifying a long chain, against computing as many digests and
// nothing else, and against reading every row.
const chainDir = join(root, "chain");
const chainDb = openHostDatabase(join(chainDir, "symphony.db"));
const chain = new AuditTrail(() => chainDb, { verifyWorkers: VERIFY_WORKERS });
const chainBatch = entries(CHAIN_BATCH);
let built = 0;
started = performance.now();
while (built < CHAIN_TARGET) {
  await chain.append(chainBatch);
  built += CHAIN_BATCH;
  const elapsed = performance.now() - started;
  if (built % 100_000 === 0) {
    console.log(
      `audit: built a chain of ${built.toLocaleString("en-US")} records in ${seconds(elapsed)} s`,
    );
  }
  if (built === CHAIN_FALLBACK && (elapsed / built) * CHAIN_TARGET > CHAIN_BUILD_BUDGET_MS) {
    console.log(
      `audit: building ${CHAIN_TARGET.toLocaleString("en-US")} records would take over ${
        CHAIN_BUILD_BUDGET_MS / 1000
      } s; verifying ${built.toLocaleString("en-US")} and extrapolating`,
    );
    break;
  }
}
const page = chainDb.prepare("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT 10000");
started = performance.now();
let read = 0;
for (let last = 0;;) {
  const rows = page.all(last) as unknown as { seq: number }[];
  if (rows.length === 0) break;
  read += rows.length;
  last = rows[rows.length - 1]?.seq ?? Infinity;
}
const selectMs = performance.now() - started;

// The bytes of the chain's first records, as verify() hashes them.
const sample = (chainDb.prepare(
  "SELECT seq, at, kind, extension, actor, detail, prev_hash AS prevHash FROM audit ORDER BY seq LIMIT 1000",
).all() as unknown as (HashedFields & { detail: string })[]).map((row) =>
  new TextEncoder().encode(recordText(row, row.detail))
);

// As many WebCrypto digests as the chain has records, split between the same
// number of workers as verify() uses, each with as many under way at once:
// what verifying costs when all it does is hash.
async function digestsAlone(): Promise<number> {
  const workers = Array.from(
    { length: VERIFY_WORKERS },
    () => new Worker(new URL("./_digest_bench_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    const begun = performance.now();
    await Promise.all(workers.map((worker, k) => {
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      worker.onmessage = (_event: MessageEvent<DigestBenchReply>) => resolve();
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        reject(new Error(`Cannot measure digests alone: ${event.message}`));
      };
      const count = Math.floor((built * (k + 1)) / VERIFY_WORKERS) -
        Math.floor((built * k) / VERIFY_WORKERS);
      worker.postMessage({ inputs: sample, count } satisfies DigestBenchRequest);
      return promise;
    }));
    return performance.now() - begun;
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

// Rounds alternate between the two, so that a busy spell on the machine
// slows both rather than one.
const verifyRuns: number[] = [];
const digestRuns: number[] = [];
for (let round = 0; round < VERIFY_ROUNDS; round++) {
  digestRuns.push(await digestsAlone());
  started = performance.now();
  const verification = await chain.verify();
  verifyRuns.push(performance.now() - started);
  if (!verification.ok || verification.count !== built || read !== built) {
    throw new Error(
      `Cannot measure verify(): it found ${
        JSON.stringify(verification)
      }, ${read} rows read, ${built} built`,
    );
  }
}
const verifyMs = median(verifyRuns);
const digestMs = median(digestRuns);
console.log(
  `audit: verified ${built.toLocaleString("en-US")} records in ${seconds(verifyMs)} s ` +
    `(median of ${verifyRuns.map(seconds).join(", ")}; target: 1,000,000 in < 10 s; ` +
    `extrapolated ${seconds((verifyMs / built) * CHAIN_TARGET)} s); the same number of ` +
    `WebCrypto SHA-256 digests alone, in ${VERIFY_WORKERS} workers: ${seconds(digestMs)} s ` +
    `(median of ${digestRuns.map(seconds).join(", ")}; verifying takes ` +
    `${(verifyMs / digestMs).toFixed(2)}x as long); SELECT of every row: ${seconds(selectMs)} s`,
);
chainDb.close();
await Deno.remove(chainDir, { recursive: true });

// Parts 3 and 4: one host with 50 subscribers, a publisher, a target and a
// caller of the target.
let fanOut: { left: number; done: () => void } | undefined;
function onLog(line: ExtensionLogLine): void {
  if (line.message === "done" && fanOut !== undefined) {
    if (--fanOut.left === 0) fanOut.done();
    return;
  }
  if (!leaving) console.log(`${line.id} ${line.level}: ${line.message}`);
}
const conductor = new Conductor({
  home: join(root, "home"),
  workspace: root,
  eventLimits: { ratePerSecond: 1e9, burst: 1e9 },
  onLog,
  onNotice: (notice) => {
    if (notice.level !== "info" && !leaving) console.log(`notice: ${notice.message}`);
  },
});

async function install(
  id: string,
  code: string,
  manifest: { functions: string[]; events?: Record<string, string[]> } & Record<string, unknown>,
): Promise<void> {
  const { functions, ...rest } = manifest;
  const dir = join(root, "source", id);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "main.ts"), code);
  await Deno.writeTextFile(
    join(dir, "extension.json"),
    JSON.stringify({
      manifest_version: 1,
      id,
      name: "Bench",
      version: "1.0.0",
      type: "operator",
      entry: "main.ts",
      engines: { symphony: "^0.1.0" },
      resources: { max_concurrency: 64, timeout_ms: 60_000 },
      operator: { functions: functions.map((name) => ({ name })) },
      ...rest,
    }),
  );
  await installExtension(dir, { conductor, confirm: () => Promise.resolve(true) });
}

const subscriberIds = Array.from(
  { length: SUBSCRIBERS },
  (_, i) => `bench.subscriber${String(i).padStart(2, "0")}`,
);
started = performance.now();
await install(
  "bench.target",
  "export function activate() { return { echo: (input) => input }; }",
  { functions: ["echo"] },
);
await install(
  "bench.caller",
  `const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
export function activate() {
  return {
    relay: async (input, ctx) => await ctx.call("bench.target", "echo", input),
    // Seen from the caller: a call through the Conductor to another extension,
    // against a request the Conductor answers itself (one round trip).
    inside: async ({ n }, ctx) => {
      const viaHost = [], toHost = [];
      for (let i = 0; i < n; i++) {
        let at = performance.now();
        await ctx.call("bench.target", "echo", { n: 1 });
        viaHost.push(performance.now() - at);
        at = performance.now();
        await ctx.artifacts.versions("none");
        toHost.push(performance.now() - at);
      }
      return { call: median(viaHost), host: median(toHost) };
    },
  };
}`,
  {
    functions: ["relay", "inside"],
    dependencies: { "bench.target": "^1.0.0" },
    events: { calls: ["bench.target"] },
  },
);
await install(
  "bench.publisher",
  `export function activate(ctx) {
  return {
    burst: ({ n }) => {
      for (let i = 0; i < n; i++) ctx.publish("bench.tick", { i, of: n });
      return n;
    },
  };
}`,
  { functions: ["burst"], events: { publish: ["bench.tick"] } },
);
// Each subscriber counts and says "done" when it has seen a whole burst.
const subscriberCode = `let seen = 0;
export function activate() { return { seen: () => seen }; }
export function onEvent(event, ctx) {
  if (++seen === event.payload.of) {
    seen = 0;
    ctx.log.info("done");
  }
}`;
for (const id of subscriberIds) {
  await install(id, subscriberCode, { functions: ["seen"], events: { subscribe: ["bench.tick"] } });
}
console.log(
  `installed ${SUBSCRIBERS + 3} extensions in ${seconds(performance.now() - started)} s`,
);

started = performance.now();
const queue = ["bench.target", "bench.caller", "bench.publisher", ...subscriberIds];
await Promise.all(
  Array.from({ length: START_CONCURRENCY }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      running.add((await conductor.start(id)).pid);
    }
  }),
);
console.log(
  `started ${SUBSCRIBERS + 3} extensions in ${seconds(performance.now() - started)} s`,
);

// Part 3: one burst of EVENTS from the publisher, until every subscriber has
// seen all of it. Waits for the publisher's notification budget first.
let lastBurst = 0;
async function burst(): Promise<number> {
  await delay(Math.max(0, lastBurst + NOTIFICATION_REFILL_MS - performance.now()));
  const done = Promise.withResolvers<void>();
  fanOut = { left: SUBSCRIBERS, done: done.resolve };
  const timer = setTimeout(
    () =>
      done.reject(
        new Error(
          `Cannot measure the fan-out: ${fanOut?.left} subscribers still waiting after ${FAN_OUT_TIMEOUT_MS} ms`,
        ),
      ),
    FAN_OUT_TIMEOUT_MS,
  );
  const at = performance.now();
  try {
    await conductor.call("bench.publisher", "burst", { n: EVENTS });
    await done.promise;
    return performance.now() - at;
  } finally {
    clearTimeout(timer);
    fanOut = undefined;
    lastBurst = performance.now();
  }
}

// The same burst to host listeners that do the same counting; delivery is synchronous.
function hostBurst(listeners: number): void {
  let done = 0;
  const unsubscribe = Array.from({ length: listeners }, () => {
    let seen = 0;
    return conductor.events.subscribe("bench.tick", (event) => {
      if (++seen === (event.payload as { of: number }).of) done++;
    });
  });
  try {
    for (let i = 0; i < EVENTS; i++) {
      conductor.events.publish("host", "bench.tick", { i, of: EVENTS });
    }
  } finally {
    for (const stop of unsubscribe) stop();
  }
  if (done !== listeners) throw new Error(`Cannot fan out: ${done} of ${listeners} listeners done`);
}

await burst(); // Warm-up.
const burstMs: number[] = [];
for (let i = 0; i < TIMED_BURSTS; i++) burstMs.push(await burst());
started = performance.now();
for (let i = 0; i < TIMED_BURSTS; i++) hostBurst(SUBSCRIBERS);
const hostMs = (performance.now() - started) / TIMED_BURSTS;
const fanOutMs = median(burstMs);
console.log(
  `events: ${EVENTS} events to ${SUBSCRIBERS} subscribers: ` +
    `${perSecond(EVENTS * SUBSCRIBERS, fanOutMs)} deliveries/s ` +
    `(${perSecond(EVENTS, fanOutMs)} events/s, median of ${TIMED_BURSTS} bursts of ${
      fanOutMs.toFixed(0)
    } ms); to ${SUBSCRIBERS} host listeners: ${
      perSecond(EVENTS * SUBSCRIBERS, hostMs)
    } deliveries/s`,
);

Deno.bench({
  name: `${EVENTS} events to ${SUBSCRIBERS} host listeners`,
  group: "event fan-out",
  baseline: true,
  n: 30,
  warmup: 3,
  fn(): void {
    hostBurst(SUBSCRIBERS);
  },
});

Deno.bench({
  name: `${EVENTS} events to ${SUBSCRIBERS} subscribing extensions, end to end`,
  group: "event fan-out",
  n: 6,
  warmup: 1,
  async fn(b): Promise<void> {
    // Waits for the publisher's notification budget outside the measurement.
    await delay(Math.max(0, lastBurst + NOTIFICATION_REFILL_MS - performance.now()));
    b.start();
    await burst();
    b.end();
  },
});

// Part 4: a call from one extension to another against a direct call of the
// same method from the host, and, seen from the calling extension, a call
// through the Conductor against one round trip to the host.
async function timed(id: string, method: string): Promise<number> {
  const at = performance.now();
  await conductor.call(id, method, { n: 1 });
  return performance.now() - at;
}
const directMs: number[] = [];
const relayMs: number[] = [];
for (let i = 0; i < 100; i++) {
  await timed("bench.target", "echo");
  await timed("bench.caller", "relay");
}
for (let i = 0; i < TIMED_CALLS; i++) {
  directMs.push(await timed("bench.target", "echo"));
  relayMs.push(await timed("bench.caller", "relay"));
}
const direct = median(directMs);
const relay = median(relayMs);
console.log(
  `calls: median direct ${(direct * 1000).toFixed(0)} µs, extension to extension ${
    (relay * 1000).toFixed(0)
  } µs (${(relay / direct).toFixed(2)}x; 6 pipe crossings against 2, so 3x at the least)`,
);
await conductor.call("bench.caller", "inside", { n: 100 });
const inside = await conductor.call("bench.caller", "inside", { n: TIMED_CALLS }) as {
  call: number;
  host: number;
};
console.log(
  `calls, seen from the calling extension: ctx.call to another extension ${
    (inside.call * 1000).toFixed(0)
  } µs, one round trip to the host ${
    (inside.host * 1000).toFixed(0)
  } µs; (added latency) / (one round trip) = ${
    ((inside.call - inside.host) / inside.host).toFixed(2)
  } (target < 2)`,
);

Deno.bench({
  name: "direct call of bench.target echo",
  group: "call between extensions",
  baseline: true,
  n: 1_000,
  warmup: 100,
  async fn(): Promise<void> {
    await conductor.call("bench.target", "echo", { n: 1 });
  },
});

Deno.bench({
  name: "bench.caller relay → bench.target echo",
  group: "call between extensions",
  n: 1_000,
  warmup: 100,
  async fn(): Promise<void> {
    await conductor.call("bench.caller", "relay", { n: 1 });
  },
});
