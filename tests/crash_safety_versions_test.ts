// Crash safety of update and rollback: a host killed just before each durable
// operation of either (tests/fixtures/crash_host.ts) leaves the extension at
// one whole version, the old or the new, which runs, is audited iff it
// changed, and from which the next update or rollback succeeds.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  codeDirOf,
  copyHome,
  CRASH_HOST,
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

/** The version that `list --json` shows, or the problem with it. */
async function installedVersion(home: string): Promise<string | undefined> {
  const list = await symphony(home, "list", "--json");
  if (list.code !== 0) return undefined;
  const rows = JSON.parse(list.stdout) as { id: string; version: string }[];
  return rows.find((row) => row.id === ID)?.version;
}

/** The number of audit records of `kind` for the extension. */
async function auditCount(home: string, kind: string): Promise<number> {
  const audited = await symphony(home, "audit", "--json", "--ext", ID, "--kind", kind);
  return audited.stdout.split("\n").filter((line) => line !== "").length;
}

/** Runs `symphony <args>` and checks that the extension then answers as `source`. */
async function answersAfter(home: string, source: Source, ...args: string[]): Promise<string[]> {
  const ran = await symphony(home, ...args);
  if (ran.code !== 0) return [`${args[0]} exited ${ran.code}: ${ran.stderr}`];
  const called = await symphony(home, "call", ID, "run");
  return called.stdout === JSON.stringify(source.answer) + "\n"
    ? []
    : [`after ${args[0]}, call answered ${called.stdout}${called.stderr}`];
}

/**
 * After a killed move from `from` to `to` (an update, or a rollback): the
 * extension is wholly one of them and runs; the move is audited (one `kind`
 * record more than `before`) iff it took.
 */
async function versionProblems(
  home: string,
  move: { from: Source; to: Source; kind: string; before: number },
): Promise<{ problems: string[]; at: Source | undefined }> {
  const version = await installedVersion(home);
  const at = [move.from, move.to].find((s) => s.version === version);
  if (at === undefined) return { problems: [`installed version is ${version}`], at };
  const problems: string[] = [];
  const installed = await filesOf(join(home, codeDirOf(home))).catch(() => new Map());
  const source = await filesOf(at.dir);
  if (
    source.size !== installed.size ||
    ![...source].every(([path, text]) => installed.get(path) === text)
  ) {
    problems.push(`at ${version}, but its files are not that version: [${[...installed.keys()]}]`);
  }
  const called = await symphony(home, "call", ID, "run");
  if (called.stdout !== JSON.stringify(at.answer) + "\n") {
    problems.push(
      `at ${version}, but call answered ${called.code}: ${called.stdout}${called.stderr}`,
    );
  }
  const records = await auditCount(home, move.kind);
  const expected = move.before + (at === move.to ? 1 : 0);
  if (records !== expected) {
    problems.push(`at ${version} with ${records} ${move.kind} record(s), expected ${expected}`);
  }
  problems.push(...await storeProblems(home));
  return { problems, at };
}

/** Counts the durable steps of `args` on a copy of `template`, then kills a copy before each. */
async function killAtEveryStep(
  dir: string,
  template: string,
  args: string[],
  check: (home: string) => Promise<string[]>,
): Promise<string[]> {
  const counted = join(dir, "counted");
  await copyHome(template, counted);
  const steps = stepsOf(await runHost(counted, CRASH_HOST, ["cli", "0", ...args]));
  const points = Array.from({ length: steps }, (_, i) => i + 1);
  return await failuresOf(points, 2, async (step) => {
    const home = join(dir, `home-${step}`);
    await copyHome(template, home);
    const killed = await runHost(home, CRASH_HOST, ["cli", String(step), ...args]);
    const where = `${args[0]} killed at step ${step}/${steps} (before ${killedBefore(killed)})`;
    if (killed.signal !== "SIGKILL") return [`${where}: it was not killed: ${killed.stderr}`];
    await killStrays(home);
    return (await check(home)).map((p) => `${where}: ${p}`);
  });
}

Deno.test("a host killed before any operation of an update keeps one whole version", async () => {
  await using dir = await tempDir();
  const one = await writeSource(join(dir.path, "sources"), "one", "1.0.0");
  const two = await writeSource(join(dir.path, "sources"), "two", "1.1.0");
  const template = join(dir.path, "template");
  try {
    const installed = await symphony(template, "install", one.dir, "--yes");
    assert.equal(installed.code, 0, installed.stderr);
    const failures = await killAtEveryStep(
      dir.path,
      template,
      ["update", ID, two.dir, "--yes"],
      async (home) => {
        const { problems, at } = await versionProblems(home, {
          from: one,
          to: two,
          kind: "update",
          before: 0,
        });
        if (at === one) {
          problems.push(...await answersAfter(home, two, "update", ID, two.dir, "--yes"));
        }
        // The version it came from is kept whole for rollback.
        problems.push(...await answersAfter(home, one, "rollback", ID));
        return problems;
      },
    );
    assert.deepEqual(failures, []);
  } finally {
    await killStrays(dir.path);
  }
});

Deno.test("a host killed before any operation of a rollback keeps one whole version", async () => {
  await using dir = await tempDir();
  const one = await writeSource(join(dir.path, "sources"), "one", "1.0.0");
  const two = await writeSource(join(dir.path, "sources"), "two", "1.1.0");
  const template = join(dir.path, "template");
  try {
    assert.equal((await symphony(template, "install", one.dir, "--yes")).code, 0);
    const updated = await symphony(template, "update", ID, two.dir, "--yes");
    assert.equal(updated.code, 0, updated.stderr);
    const failures = await killAtEveryStep(
      dir.path,
      template,
      ["rollback", ID],
      async (home) => {
        const { problems, at } = await versionProblems(home, {
          from: two,
          to: one,
          kind: "rollback",
          before: 0,
        });
        if (at === two) problems.push(...await answersAfter(home, one, "rollback", ID));
        // Rolling back again returns to the version it left, also kept whole.
        problems.push(...await answersAfter(home, two, "rollback", ID));
        return problems;
      },
    );
    assert.deepEqual(failures, []);
  } finally {
    await killStrays(dir.path);
  }
});
