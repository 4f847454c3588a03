// What containing extensions costs, each figure beside a baseline measured in
// the same run: the host's CPU while the resource watchdog watches 200 idle
// extensions at its default 1 s interval, against the same 200 under a
// Conductor whose watchdog never ticks (printed before the table); one
// watchdog sample of 200 processes against a sample of one; a benign
// extension's call round trip while a neighbour floods log lines or spins in a
// loop, against the same call with no neighbour activity (medians printed
// after the table).
//
// Run with `deno task bench`. Targets: the watchdog over 200 idle extensions
// under 2 % of one core; the median round trip beside a misbehaving neighbour
// at most 1.5x the quiet one.
import { join } from "node:path";
import process from "node:process";
import { Conductor, type ExtensionProcess } from "./mod.ts";
import { ResourceWatchdog, sampleProcesses } from "./resource_watchdog.ts";
import { installExtension } from "../kit/mod.ts";

const IDLE = 200;
const START_CONCURRENCY = 8;
const CPU_WINDOW_MS = 10_000;
// Starting 200 processes leaves the host garbage to collect for a few seconds.
const SETTLE_MS = 5_000;

const root = await Deno.makeTempDir({ prefix: "symphony-bench-" });
// Processes this bench started and has not stopped, killed on the way out.
const running = new Set<number>();
globalThis.addEventListener("unload", () => {
  for (const pid of running) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // It has already exited.
    }
  }
  Deno.removeSync(root, { recursive: true });
});

// One extension, installed under many ids: `echo` answers, `flood` and `spin`
// start misbehaving after they return and keep going until the process stops.
const source = join(root, "source");
await Deno.mkdir(source);
await Deno.writeTextFile(
  join(source, "main.ts"),
  `const line = "x".repeat(1024);
export function activate() {
  return {
    echo: (input) => input,
    flood: () => {
      const burst = () => {
        for (let i = 0; i < 1000; i++) console.log(line);
        setTimeout(burst, 0);
      };
      setTimeout(burst, 0);
      return "flooding";
    },
    spin: () => {
      setTimeout(() => { while (true) {} }, 0);
      return "spinning";
    },
  };
}`,
);

async function install(conductor: Conductor, id: string): Promise<void> {
  await Deno.writeTextFile(
    join(source, "extension.json"),
    JSON.stringify({
      manifest_version: 1,
      id,
      name: "Bench",
      version: "1.0.0",
      type: "operator",
      entry: "main.ts",
      engines: { symphony: "^0.1.0" },
      resources: { memory_mb: 64, max_concurrency: 4, timeout_ms: 60_000 },
      operator: { functions: [{ name: "echo" }, { name: "flood" }, { name: "spin" }] },
    }),
  );
  await installExtension(source, { conductor, confirm: () => Promise.resolve(true) });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// CPU time, in ms, of the host itself and of its reaped children (the
// watchdog's `tail`s), the latter from /proc, which the host reads through `cat`.
async function cpuMs(): Promise<{ host: number; children: number }> {
  const { stdout } = await new Deno.Command("cat", { args: [`/proc/${Deno.pid}/stat`] }).output();
  const line = new TextDecoder().decode(stdout);
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const usage = process.cpuUsage();
  return {
    host: (usage.user + usage.system) / 1000,
    children: (Number(fields[13]) + Number(fields[14])) * 10,
  };
}

async function cpuShareOver(windowMs: number): Promise<{ host: number; children: number }> {
  const before = await cpuMs();
  await delay(windowMs);
  const after = await cpuMs();
  return {
    host: (after.host - before.host) / windowMs,
    children: (after.children - before.children) / windowMs,
  };
}

function percent(share: number): string {
  return (share * 100).toFixed(2);
}

// Part 1: the watchdog over many idle extensions, at the default interval,
// against the same extensions under a Conductor whose watchdog never ticks.
const idleHome = join(root, "idle-home");
const idle = new Conductor({ home: idleHome, workspace: root });
const idleIds = Array.from({ length: IDLE }, (_, i) => `bench.idle${String(i).padStart(3, "0")}`);
let started = performance.now();
for (const id of idleIds) await install(idle, id);
console.log(`installed ${IDLE} extensions in ${Math.round(performance.now() - started)} ms`);

async function startAll(conductor: Conductor): Promise<ExtensionProcess[]> {
  const processes: ExtensionProcess[] = [];
  const queue = [...idleIds];
  await Promise.all(
    Array.from({ length: START_CONCURRENCY }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const extension = await conductor.start(id);
        running.add(extension.pid);
        processes.push(extension);
      }
    }),
  );
  return processes;
}

const unwatchedConductor = new Conductor({
  home: idleHome,
  workspace: root,
  limits: { watchIntervalMs: 3_600_000 },
});
const unwatchedProcesses = await startAll(unwatchedConductor);
await delay(SETTLE_MS);
const unwatched = await cpuShareOver(CPU_WINDOW_MS);
await unwatchedConductor.stopAll();
for (const p of unwatchedProcesses) running.delete(p.pid);

started = performance.now();
const idleProcesses = await startAll(idle);
console.log(`started ${IDLE} extensions in ${Math.round(performance.now() - started)} ms`);
await delay(SETTLE_MS);
const watched = await cpuShareOver(CPU_WINDOW_MS);
const watchdogShare = percent(watched.host - unwatched.host);
const samplerShare = percent(watched.children - unwatched.children);
console.log(
  `watchdog over ${IDLE} idle extensions: ${watchdogShare} % of one core (target < 2 %); ` +
    `its tail processes add ${samplerShare} % (host over ${CPU_WINDOW_MS / 1000} s: ` +
    `${percent(watched.host)} % watched, ${percent(unwatched.host)} % unwatched)`,
);

const idlePids = idleProcesses.map((p) => p.pid);
const onePid = idlePids.slice(0, 1);
// Ticked by the bench only; a top-level `using` would dispose of it before the benches run.
const watchdog = new ResourceWatchdog({ intervalMs: 3_600_000 });
for (const pid of idlePids) watchdog.watch(pid, () => {});

Deno.bench({
  name: "sample 1 process",
  group: "watchdog sample",
  baseline: true,
  async fn(): Promise<void> {
    await sampleProcesses(onePid);
  },
});

Deno.bench({
  name: `sample ${IDLE} processes`,
  group: "watchdog sample",
  async fn(): Promise<void> {
    await sampleProcesses(idlePids);
  },
});

Deno.bench({
  name: `one watchdog tick over ${IDLE} processes`,
  group: "watchdog sample",
  async fn(): Promise<void> {
    await watchdog.tick();
  },
});

// Part 2: a benign extension's round trip while a neighbour misbehaves. The
// idle-CPU limit would stop the spinning neighbour, and the health ping would
// stop it as hung: both are pushed out of the bench's way.
const neighbours = new Conductor({
  home: join(root, "neighbour-home"),
  workspace: root,
  limits: { idleCpuWindowMs: 3_600_000, pingIntervalMs: 3_600_000 },
});
for (const id of ["bench.quiet", "bench.flood", "bench.spin"]) await install(neighbours, id);
const quiet = await neighbours.start("bench.quiet");
running.add(quiet.pid);

type Neighbour = "none" | "flood" | "spin";
// Deno's table shows means; the target is on medians, printed on the way out.
const roundTrips: Record<Neighbour, number[]> = { none: [], flood: [], spin: [] };
let active: { kind: Neighbour; process?: ExtensionProcess } = { kind: "none" };

// Brings about exactly one misbehaving neighbour (or none), once per bench;
// the idle extensions of part 1 are stopped first, so that they add no noise.
async function only(kind: Neighbour): Promise<void> {
  if (idleProcesses.length > 0) {
    await idle.stopAll();
    for (const p of idleProcesses.splice(0)) running.delete(p.pid);
    await delay(SETTLE_MS);
  }
  if (active.kind === kind) return;
  if (active.process !== undefined) {
    await neighbours.stop(`bench.${active.kind}`);
    running.delete(active.process.pid);
  }
  active = { kind: "none" };
  if (kind === "none") return;
  const extension = await neighbours.start(`bench.${kind}`);
  running.add(extension.pid);
  await neighbours.call(`bench.${kind}`, kind, null);
  active = { kind, process: extension };
  await delay(200);
}

for (
  const [kind, name] of [
    ["none", "quiet: no neighbour activity"],
    ["flood", "a neighbour floods 1 KiB log lines"],
    ["spin", "a neighbour spins in a loop"],
  ] as const
) {
  Deno.bench({
    name,
    group: "neighbour",
    baseline: kind === "none",
    async fn(b): Promise<void> {
      await only(kind);
      const at = performance.now();
      b.start();
      await neighbours.call("bench.quiet", "echo", { n: 1 });
      b.end();
      roundTrips[kind].push(performance.now() - at);
    },
  });
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

globalThis.addEventListener("unload", () => {
  const quietMs = median(roundTrips.none);
  const ratio = (kind: Neighbour): string => (median(roundTrips[kind]) / quietMs).toFixed(2);
  console.log(
    `median round trip: quiet ${(quietMs * 1000).toFixed(0)} µs; ` +
      `beside a flooding neighbour ${ratio("flood")}x, beside a spinning neighbour ${
        ratio("spin")
      }x (target <= 1.5x)`,
  );
});
