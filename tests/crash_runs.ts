/**
 * Shared by the crash-safety tests: running a host that is killed on cue
 * (tests/fixtures/crash_host.ts) or after a delay, and the checks every
 * recovered home must pass.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Extension, writeExtension } from "./extension_stage.ts";
import { FIXTURES, HOST_RUN_ARGS, ROOT } from "./run_symphony.ts";
export const CLI = join(ROOT, "kit", "cli.ts");
export const CRASH_HOST = join(FIXTURES, "crash_host.ts");
export const ID = "acme.sturdy";

// Where the installed code is, as the host database records it (each install
// has its own directory, relative to the home).
export function codeDirOf(home: string): string {
  using db = new DatabaseSync(join(home, "host", "symphony.db"));
  const row = db.prepare("SELECT record FROM extensions WHERE id = ?").get(ID) as
    | { record: string }
    | undefined;
  const record = row === undefined ? {} : JSON.parse(row.record) as { codeDir?: string };
  return record.codeDir ?? join("extensions", ID, "1.0.0");
}
/** What a child printed, and how it ended. */
export interface Ended {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Runs a Deno script against `home`; SIGKILLs it after `killAfterMs` if given. */
export async function runHost(
  home: string,
  script: string,
  args: string[],
  killAfterMs?: number,
): Promise<Ended> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...HOST_RUN_ARGS, script, ...args],
    cwd: ROOT,
    env: { SYMPHONY_HOME: home, SYMPHONY_WORKSPACE: ROOT, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // It ended first.
    }
  };
  const timer = killAfterMs === undefined ? undefined : setTimeout(kill, killAfterMs);
  try {
    const output = await child.output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      signal: output.signal,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `symphony` to completion, as a fresh host. */
export function symphony(home: string, ...args: string[]): Promise<Ended> {
  return runHost(home, CLI, args);
}

/**
 * Kills, by pid, the processes a killed host left running under `dir` (a
 * `deno cache` it had started, say): their command line names the directory.
 */
export async function killStrays(dir: string): Promise<void> {
  const ps = await new Deno.Command("ps", { args: ["-eo", "pid=,args="] }).output();
  for (const line of new TextDecoder().decode(ps.stdout).split("\n")) {
    const pid = Number(/^\s*(\d+) /.exec(line)?.[1]);
    if (!line.includes(dir) || !(pid > 0) || pid === Deno.pid) continue;
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Every file under `dir`, by relative path, with its content. */
export async function filesOf(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      if (entry.isDirectory) await walk(full);
      else files.set(relative(dir, full), await Deno.readTextFile(full));
    }
  };
  await walk(dir);
  return files;
}

/** A copy of a whole `$SYMPHONY_HOME` (the host that wrote it has ended). */
export async function copyHome(from: string, to: string): Promise<void> {
  const copied = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  assert.ok(copied.success, new TextDecoder().decode(copied.stderr));
}

/** Runs `check` for every item, `parallel` at a time; returns the failures, in order. */
export async function failuresOf<T>(
  items: readonly T[],
  parallel: number,
  check: (item: T) => Promise<string[]>,
): Promise<string[]> {
  const results: string[][] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await check(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results.flat();
}

/** The problems every fresh run must not show: the database opens and the chain holds. */
export async function storeProblems(home: string): Promise<string[]> {
  const problems: string[] = [];
  const verified = await symphony(home, "audit", "--verify");
  if (verified.code !== 0) {
    problems.push(`audit --verify exited ${verified.code}: ${verified.stdout}${verified.stderr}`);
  }
  return problems;
}

/** A version of the extension: its source directory and what its `run` answers. */
export interface Source {
  dir: string;
  answer: string;
  version: string;
}

export async function writeSource(
  parent: string,
  answer: string,
  version = "1.0.0",
): Promise<Source> {
  const extension: Extension = {
    id: ID,
    version,
    permissions: { env: ["CRASH_A", "CRASH_B"] },
    main: `import { answer } from "./lib/answer.ts";
      export function activate() { return { run: () => answer }; }`,
  };
  const dir = await writeExtension(join(parent, answer), extension);
  await Deno.mkdir(join(dir, "lib"));
  await Deno.writeTextFile(join(dir, "lib", "answer.ts"), `export const answer = "${answer}";`);
  await Deno.writeTextFile(join(dir, "README.md"), `# ${ID}\n\n${"Answers. ".repeat(2_000)}\n`);
  return { dir, answer, version };
}

/** The number of durable operations `crash_host.ts cli 0 <args>` counted in a full run. */
export function stepsOf(ended: Ended): number {
  assert.equal(ended.code, 0, ended.stderr);
  const steps = Number(/crash-host steps: (\d+)/.exec(ended.stderr)?.[1]);
  assert.ok(steps > 0, ended.stderr);
  return steps;
}

/** Where a fixture host died, for a failure message. */
export function killedBefore(ended: Ended): string {
  return /crash-host killed before: (.*)/.exec(ended.stderr)?.[1] ?? "(it was not killed)";
}
