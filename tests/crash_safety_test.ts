// Crash safety: a host killed with SIGKILL at any point of an install, a grant
// change or an audit write leaves a state the next run recovers from without
// loss or corruption. Each test kills a child host at many points, either
// after a delay spread over the operation's measured duration (the real
// `symphony` executable), or just before each durable operation it performs
// (tests/fixtures/crash_host.ts), then checks the state with fresh runs.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CLI,
  codeDirOf,
  copyHome,
  CRASH_HOST,
  type Ended,
  failuresOf,
  filesOf,
  ID,
  killedBefore,
  killStrays,
  runHost,
  type Source,
  stepsOf,
  storeProblems,
  symphony,
  writeSource,
} from "./crash_runs.ts";
import { tempDir } from "./temp_dir.ts";

/** Delays per timed operation: spread from 0 to its measured duration. */
const TIMED_KILLS = 16;

/** The arguments that install `source`. */
function install(source: Source): string[] {
  return ["install", source.dir, "--yes"];
}

/**
 * After a killed install of `latest` over a home that had `before` installed
 * (or nothing): the extension is wholly one of them, or absent only if there
 * was none; it runs; its install is audited iff it happened; and whatever
 * was left behind does not keep it from being installed again.
 */
async function installProblems(
  home: string,
  before: Source | undefined,
  latest: Source,
): Promise<string[]> {
  const problems: string[] = [];
  const list = await symphony(home, "list", "--json");
  if (list.code !== 0) return [`list --json exited ${list.code}: ${list.stderr}`];
  const listed = (JSON.parse(list.stdout) as { id: string }[]).some((e) => e.id === ID);
  const audited = await symphony(home, "audit", "--json", "--ext", ID, "--kind", "install");
  const records = audited.stdout.split("\n").filter((line) => line !== "").length;
  const allowed = before === undefined ? [listed ? 1 : 0] : [1, 2];
  if (!allowed.includes(records)) {
    problems.push(`${listed ? "installed" : "not installed"}, with ${records} install record(s)`);
  }
  if (listed) {
    const versions = [before, latest].filter((s) => s !== undefined);
    const installed = await filesOf(join(home, codeDirOf(home))).catch(() => new Map());
    const whole = await Promise.all(versions.map(async (version) => {
      const source = await filesOf(version.dir);
      return source.size === installed.size &&
        [...source].every(([path, text]) => installed.get(path) === text);
    }));
    if (!whole.includes(true)) {
      problems.push(`listed, but its files are not one whole version: [${[...installed.keys()]}]`);
    }
    const called = await symphony(home, "call", ID, "run");
    if (!versions.some((version) => called.stdout === JSON.stringify(version.answer) + "\n")) {
      problems.push(`listed, but call answered ${called.code}: ${called.stdout}${called.stderr}`);
    }
  } else if (before !== undefined) problems.push("the installed extension is gone");
  // An install that took is done; one that did not must succeed when tried again.
  if (!listed || before !== undefined) {
    const again = await symphony(home, "install", latest.dir, "--yes");
    if (again.code !== 0) problems.push(`install again exited ${again.code}: ${again.stderr}`);
    const called = await symphony(home, "call", ID, "run");
    if (called.stdout !== JSON.stringify(latest.answer) + "\n") {
      problems.push(`after installing again, call answered: ${called.stdout}${called.stderr}`);
    }
  }
  problems.push(...await storeProblems(home));
  return problems;
}

/** The grant state a test reads back: the env values granted, and the grant changes audited. */
interface GrantState {
  granted: string[];
  changes: { kind: string; detail: { granted: string[] } }[];
}

async function grantState(home: string): Promise<GrantState> {
  const grants = await symphony(home, "grants", ID, "--json");
  assert.equal(grants.code, 0, grants.stderr);
  const parsed = JSON.parse(grants.stdout) as {
    grants: { env: { granted: string[] } };
    changes: GrantState["changes"];
  };
  return { granted: [...parsed.grants.env.granted].sort(), changes: parsed.changes };
}

/** After a killed grant change from `before` to `after`: one or the other, audited iff made. */
async function grantProblems(
  home: string,
  before: GrantState,
  after: string[],
): Promise<{ problems: string[]; state: GrantState }> {
  const problems: string[] = [];
  const state = await grantState(home);
  const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b);
  if (same(state.granted, before.granted)) {
    if (state.changes.length !== before.changes.length) {
      problems.push(
        `grants unchanged, yet ${
          state.changes.length - before.changes.length
        } new grant audit record(s)`,
      );
    }
  } else if (same(state.granted, after)) {
    const last = state.changes.at(-1);
    if (
      state.changes.length !== before.changes.length + 1 ||
      !same([...(last?.detail.granted ?? [])].sort(), after)
    ) {
      problems.push(
        `grants changed to [${after}], but the audit trail has ${
          state.changes.length - before.changes.length
        } new grant record(s) for it`,
      );
    }
  } else {
    problems.push(`grants are [${state.granted}]: neither [${before.granted}] nor [${after}]`);
  }
  problems.push(...await storeProblems(home));
  return { problems, state };
}

/** The grant change that toggles CRASH_A, and the env grants it leads to. */
function toggle(granted: readonly string[]): { args: string[]; after: string[] } {
  return granted.includes("CRASH_A")
    ? { args: ["revoke", ID, "env", "CRASH_A"], after: granted.filter((v) => v !== "CRASH_A") }
    : { args: ["grant", ID, "env", "CRASH_A"], after: [...granted, "CRASH_A"].sort() };
}

/** The delays to kill at: `count` of them from 0 to `durationMs`. */
function delays(durationMs: number, count = TIMED_KILLS): number[] {
  return Array.from({ length: count }, (_, i) => Math.round((i * durationMs) / (count - 1)));
}

/** How long a full run takes, from spawn to exit. */
async function measure(run: () => Promise<Ended>): Promise<number> {
  const start = performance.now();
  const ended = await run();
  assert.equal(ended.code, 0, ended.stderr);
  return performance.now() - start;
}

Deno.test("a host killed at any time of an install leaves the extension whole or absent", async () => {
  await using dir = await tempDir();
  const source = await writeSource(join(dir.path, "sources"), "one");
  try {
    const durationMs = await measure(() =>
      runHost(join(dir.path, "measured"), CLI, install(source))
    );
    const failures: string[] = [];
    for (const [i, delay] of delays(durationMs, 12).entries()) {
      const home = join(dir.path, `home-${i}`);
      await runHost(home, CLI, install(source), delay);
      await killStrays(home);
      const problems = await installProblems(home, undefined, source);
      failures.push(...problems.map((p) => `killed after ${delay} ms: ${p}`));
    }
    assert.deepEqual(failures, []);
  } finally {
    await killStrays(dir.path);
  }
});

Deno.test("a host killed before any operation of an install leaves the extension whole or absent", async () => {
  await using dir = await tempDir();
  const source = await writeSource(join(dir.path, "sources"), "one");
  try {
    const steps = stepsOf(
      await runHost(join(dir.path, "counted"), CRASH_HOST, ["cli", "0", ...install(source)]),
    );
    const points = Array.from({ length: steps }, (_, i) => i + 1);
    const failures = await failuresOf(points, 2, async (step) => {
      const home = join(dir.path, `home-${step}`);
      const killed = await runHost(home, CRASH_HOST, ["cli", String(step), ...install(source)]);
      const where = `killed at step ${step}/${steps} (before ${killedBefore(killed)})`;
      if (killed.signal !== "SIGKILL") return [`${where}: it was not killed: ${killed.stderr}`];
      await killStrays(home);
      return (await installProblems(home, undefined, source)).map((p) => `${where}: ${p}`);
    });
    assert.deepEqual(failures, []);
  } finally {
    await killStrays(dir.path);
  }
});

Deno.test("a host killed before any operation of a reinstall keeps one whole version", async () => {
  await using dir = await tempDir();
  const one = await writeSource(join(dir.path, "sources"), "one");
  const two = await writeSource(join(dir.path, "sources"), "two");
  const template = join(dir.path, "template");
  try {
    const installed = await symphony(template, "install", one.dir, "--yes");
    assert.equal(installed.code, 0, installed.stderr);
    const counted = join(dir.path, "counted");
    await copyHome(template, counted);
    const steps = stepsOf(
      await runHost(counted, CRASH_HOST, ["cli", "0", ...install(two)]),
    );
    const points = Array.from({ length: steps }, (_, i) => i + 1);
    const failures = await failuresOf(points, 2, async (step) => {
      const home = join(dir.path, `home-${step}`);
      await copyHome(template, home);
      const killed = await runHost(home, CRASH_HOST, ["cli", String(step), ...install(two)]);
      const where = `killed at step ${step}/${steps} (before ${killedBefore(killed)})`;
      if (killed.signal !== "SIGKILL") return [`${where}: it was not killed: ${killed.stderr}`];
      await killStrays(home);
      return (await installProblems(home, one, two)).map((p) => `${where}: ${p}`);
    });
    assert.deepEqual(failures, []);
  } finally {
    await killStrays(dir.path);
  }
});

Deno.test("a host killed at any time of a grant change leaves the old or the new grants", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const source = await writeSource(join(dir.path, "sources"), "one");
  const installed = await symphony(home, "install", source.dir, "--yes");
  assert.equal(installed.code, 0, installed.stderr);
  let state = await grantState(home);
  const durationMs = await measure(() => symphony(home, ...toggle(state.granted).args));
  state = await grantState(home);
  const failures: string[] = [];
  // Each change starts from what the last one left: grant and revoke alternate.
  for (const delay of delays(durationMs)) {
    const change = toggle(state.granted);
    await runHost(home, CLI, change.args, delay);
    const checked = await grantProblems(home, state, change.after);
    failures.push(
      ...checked.problems.map((p) => `${change.args[0]} killed after ${delay} ms: ${p}`),
    );
    state = checked.state;
  }
  assert.deepEqual(failures, []);
});

Deno.test("a host killed before any operation of a grant or revoke leaves the old or the new grants", async () => {
  await using dir = await tempDir();
  const source = await writeSource(join(dir.path, "sources"), "one");
  const granted = join(dir.path, "granted");
  const installed = await symphony(granted, "install", source.dir, "--yes");
  assert.equal(installed.code, 0, installed.stderr);
  const revoked = join(dir.path, "revoked");
  await copyHome(granted, revoked);
  assert.equal((await symphony(revoked, "revoke", ID, "env", "CRASH_A")).code, 0);
  const points: { template: string; step: number; home: string }[] = [];
  for (const template of [granted, revoked]) {
    const counted = join(dir.path, `counted-${points.length}`);
    await copyHome(template, counted);
    const change = toggle((await grantState(template)).granted);
    const steps = stepsOf(await runHost(counted, CRASH_HOST, ["cli", "0", ...change.args]));
    for (let step = 1; step <= steps; step++) {
      points.push({ template, step, home: join(dir.path, `home-${points.length}`) });
    }
  }
  const failures = await failuresOf(points, 2, async ({ template, step, home }) => {
    await copyHome(template, home);
    const before = await grantState(home);
    const change = toggle(before.granted);
    const killed = await runHost(home, CRASH_HOST, ["cli", String(step), ...change.args]);
    const where = `${change.args[0]} killed at step ${step} (before ${killedBefore(killed)})`;
    if (killed.signal !== "SIGKILL") return [`${where}: it was not killed: ${killed.stderr}`];
    return (await grantProblems(home, before, change.after)).problems.map((p) => `${where}: ${p}`);
  });
  assert.deepEqual(failures, []);
});

Deno.test("a burst of audit appends killed midway leaves a consecutive, intact chain", async () => {
  await using dir = await tempDir();
  const home = join(dir.path, "home");
  const database = join(home, "host", "symphony.db");
  const appended = (ended: Ended) =>
    ended.stdout.split("\n").filter((line) => line.startsWith("appended ")).length;
  const durationMs = await measure(() => runHost(home, CRASH_HOST, ["audit", database, "200"]));
  let stored = 200;
  const failures: string[] = [];
  // Each burst chains onto what the one before it left; a second writer runs beside it.
  for (const delay of delays(durationMs, 12)) {
    const [killed, beside] = await Promise.all([
      runHost(home, CRASH_HOST, ["audit", database, "200"], delay),
      runHost(home, CRASH_HOST, ["audit", database, "20"]),
    ]);
    const acknowledged = appended(killed) + appended(beside);
    const listed = await symphony(home, "audit", "--json");
    const seqs = listed.stdout.split("\n").filter((line) => line !== "")
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    const where = `killed after ${delay} ms (${appended(killed)} appends acknowledged)`;
    if (beside.code !== 0) failures.push(`${where}: the other writer failed: ${beside.stderr}`);
    if (!seqs.every((seq, i) => seq === i + 1)) failures.push(`${where}: records not consecutive`);
    // Every acknowledged append is kept; at most the one in flight is added.
    const added = seqs.length - stored;
    if (added < acknowledged || added > acknowledged + 1) {
      failures.push(`${where}: ${acknowledged} appends acknowledged, ${added} records stored`);
    }
    failures.push(...(await storeProblems(home)).map((p) => `${where}: ${p}`));
    stored = seqs.length;
  }
  assert.deepEqual(failures, []);
});
