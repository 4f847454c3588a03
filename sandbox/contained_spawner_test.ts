import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../tests/temp_dir.ts";
import { containedSpawner, type Containment, probeContainment } from "./contained_spawner.ts";
import { denoSpawner, type SpawnCommand, type SpawnedProcess, type Spawner } from "./spawner.ts";

const GIB = 1024 * 1024 * 1024;
const decoder = new TextDecoder();

/** A spawner that records each command and returns an inert process. */
function recordingSpawner(): Spawner & { seen: SpawnCommand[] } {
  const seen: SpawnCommand[] = [];
  return {
    seen,
    spawn(command: SpawnCommand): SpawnedProcess {
      seen.push(command);
      return {
        pid: 0,
        stdin: new WritableStream(),
        stdout: new ReadableStream({ start: (c) => c.close() }),
        stderr: new ReadableStream({ start: (c) => c.close() }),
        status: Promise.resolve({ success: true, code: 0, signal: null }),
        kill(): void {},
      };
    },
  };
}

/** The real containment of this machine; the tools are installed here, so missing ones fail. */
function realContainment(): Containment {
  const containment = probeContainment();
  assert.deepEqual(
    containment.warnings,
    [],
    "setpriv and prlimit (util-linux) must be on PATH to run these tests",
  );
  return containment;
}

interface Finished {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Spawns `command`, closes its stdin and reads it to the end. */
async function runToEnd(spawner: Spawner, command: SpawnCommand): Promise<Finished> {
  const child = spawner.spawn(command);
  await child.stdin.close();
  const [stdout, stderr, status] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.status,
  ]);
  return { code: status.code, signal: status.signal, stdout, stderr };
}

/** A `deno run --allow-read=<dir> <script>` command for a script in `dir`. */
function denoScript(dir: string, script: string): SpawnCommand {
  return {
    program: Deno.execPath(),
    args: ["run", "--no-config", `--allow-read=${dir}`, join(dir, script)],
    env: { DENO_DIR: join(dir, "deno_dir"), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    cwd: dir,
  };
}

/** Parses the last stdout line of a child as JSON. */
function report(finished: Finished): Record<string, unknown> {
  const last = finished.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last);
  } catch {
    assert.fail(`child printed no report: stdout ${finished.stdout} stderr ${finished.stderr}`);
  }
}

/**
 * Reads a file under `/proc/<pid>/`, or `undefined` when the process is gone.
 * Deno asks for `--allow-all` to read `/proc` itself, so `cat` reads it.
 */
async function readProc(pid: number, file: string): Promise<Uint8Array | undefined> {
  const { code, stdout, stderr } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/${file}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code === 0) return stdout;
  const why = decoder.decode(stderr);
  if (why.includes("No such file") || why.includes("No such process")) return undefined;
  throw new Error(`cat /proc/${pid}/${file} failed: ${why}`);
}

/** Whether `pid` names a process that has not exited (a zombie has exited). */
async function isRunning(pid: number): Promise<boolean> {
  const bytes = await readProc(pid, "stat");
  if (bytes === undefined) return false;
  const stat = decoder.decode(bytes);
  const state = stat.charAt(stat.lastIndexOf(")") + 2);
  return state !== "Z" && state !== "X";
}

const ALL: Containment = {
  dataLimit: true,
  openFileLimit: true,
  parentDeathSignal: true,
  warnings: [],
  setpriv: "/usr/bin/setpriv",
  prlimit: "/usr/bin/prlimit",
};
const BASE = { program: "/bin/deno", args: ["run", "x.ts"], env: { A: "1" }, cwd: "/w" };

Deno.test("containedSpawner() wraps the command in what is available", async (t) => {
  const cases: [string, Containment, SpawnCommand, string[]][] = [
    [
      "everything, both limits",
      ALL,
      { ...BASE, limits: { dataBytes: GIB, openFiles: 64 } },
      [
        "/usr/bin/setpriv",
        "--pdeathsig",
        "KILL",
        "--",
        "/usr/bin/prlimit",
        `--data=${GIB}`,
        "--nofile=64",
        "--",
        "/bin/deno",
        "run",
        "x.ts",
      ],
    ],
    [
      "everything, only the file limit asked for",
      ALL,
      { ...BASE, limits: { openFiles: 64 } },
      [
        "/usr/bin/setpriv",
        "--pdeathsig",
        "KILL",
        "--",
        "/usr/bin/prlimit",
        "--nofile=64",
        "--",
        "/bin/deno",
        "run",
        "x.ts",
      ],
    ],
    [
      "everything, no limits asked for: the death signal still applies",
      ALL,
      BASE,
      ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/bin/deno", "run", "x.ts"],
    ],
    [
      "only setpriv",
      {
        dataLimit: false,
        openFileLimit: false,
        parentDeathSignal: true,
        warnings: ["w", "w"],
        setpriv: "/s",
      },
      { ...BASE, limits: { dataBytes: GIB, openFiles: 64 } },
      ["/s", "--pdeathsig", "KILL", "--", "/bin/deno", "run", "x.ts"],
    ],
    [
      "only prlimit",
      {
        dataLimit: true,
        openFileLimit: true,
        parentDeathSignal: false,
        warnings: ["w"],
        prlimit: "/p",
      },
      { ...BASE, limits: { dataBytes: GIB, openFiles: 64 } },
      ["/p", `--data=${GIB}`, "--nofile=64", "--", "/bin/deno", "run", "x.ts"],
    ],
    [
      "only prlimit, no limits asked for: the command is unchanged",
      {
        dataLimit: true,
        openFileLimit: true,
        parentDeathSignal: false,
        warnings: ["w"],
        prlimit: "/p",
      },
      BASE,
      ["/bin/deno", "run", "x.ts"],
    ],
  ];
  for (const [name, containment, command, expected] of cases) {
    await t.step(name, () => {
      const inner = recordingSpawner();
      containedSpawner(containment, inner).spawn(command);
      assert.equal(inner.seen.length, 1);
      const [seen] = inner.seen;
      assert.deepEqual([seen?.program, ...seen?.args ?? []], expected);
      assert.deepEqual(seen?.env, { A: "1" });
      assert.equal(seen?.cwd, "/w");
    });
  }
  await t.step("nothing available: the inner spawner itself", () => {
    const inner = recordingSpawner();
    const none: Containment = {
      dataLimit: false,
      openFileLimit: false,
      parentDeathSignal: false,
      warnings: ["a", "b", "c"],
    };
    assert.equal(containedSpawner(none, inner), inner);
  });
});

Deno.test("containedSpawner() rejects a limit that is not a positive integer", async (t) => {
  for (
    const limits of [{ dataBytes: 0 }, { dataBytes: 1.5 }, { openFiles: -1 }, { openFiles: NaN }]
  ) {
    await t.step(JSON.stringify(limits), () => {
      const inner = recordingSpawner();
      assert.throws(() => containedSpawner(ALL, inner).spawn({ ...BASE, limits }), RangeError);
      assert.equal(inner.seen.length, 0);
    });
  }
});

Deno.test("containedSpawner() rejects a containment that claims a tool without its path", () => {
  assert.throws(
    () => containedSpawner({ ...ALL, setpriv: undefined } as unknown as Containment),
    TypeError,
  );
});

Deno.test("probeContainment() enforces nothing off Linux and warns about each limit", () => {
  const asked: string[] = [];
  const containment = probeContainment({
    os: "darwin",
    findProgram: (name) => {
      asked.push(name);
      return `/usr/bin/${name}`;
    },
  });
  assert.equal(containment.dataLimit, false);
  assert.equal(containment.openFileLimit, false);
  assert.equal(containment.parentDeathSignal, false);
  assert.equal(containment.setpriv, undefined);
  assert.equal(containment.prlimit, undefined);
  assert.deepEqual(asked, []);
  assert.equal(containment.warnings.length, 3);
  assert.match(containment.warnings[0] ?? "", /^Cannot limit extension memory .* on darwin: /);
  assert.match(containment.warnings[1] ?? "", /^Cannot limit the open files .* on darwin: /);
  assert.match(
    containment.warnings[2] ?? "",
    /^Cannot make extensions die with the host on darwin: /,
  );
});

Deno.test("probeContainment() on Linux warns about each tool it cannot find", async (t) => {
  await t.step("neither tool", () => {
    const containment = probeContainment({ os: "linux", findProgram: () => undefined });
    assert.equal(containment.dataLimit, false);
    assert.equal(containment.openFileLimit, false);
    assert.equal(containment.parentDeathSignal, false);
    assert.equal(containment.warnings.length, 3);
    assert.equal(containment.warnings.filter((w) => w.includes("prlimit")).length, 2);
    assert.equal(containment.warnings.filter((w) => w.includes("setpriv")).length, 1);
    assert.ok(containment.warnings.every((w) => w.startsWith("Cannot ")));
  });
  await t.step("only prlimit", () => {
    const containment = probeContainment({
      os: "linux",
      findProgram: (name) => name === "prlimit" ? "/opt/prlimit" : undefined,
    });
    assert.equal(containment.dataLimit, true);
    assert.equal(containment.openFileLimit, true);
    assert.equal(containment.parentDeathSignal, false);
    assert.equal(containment.prlimit, "/opt/prlimit");
    assert.equal(containment.warnings.length, 1);
    assert.match(containment.warnings[0] ?? "", /die with the host on linux: setpriv/);
  });
});

Deno.test("probeContainment() finds setpriv and prlimit on this machine's PATH", () => {
  const containment = realContainment();
  assert.equal(containment.dataLimit, true);
  assert.equal(containment.openFileLimit, true);
  assert.equal(containment.parentDeathSignal, true);
  assert.match(containment.setpriv ?? "", /^\/.*\/setpriv$/);
  assert.match(containment.prlimit ?? "", /^\/.*\/prlimit$/);
});

const ALLOCATE = `
const MIB = 1024 * 1024;
const kept = [];
let mib = 0;
try {
  while (mib < 1536) {
    kept.push(new ArrayBuffer(64 * MIB));
    mib += 64;
  }
  console.log(JSON.stringify({ mib }));
} catch (error) {
  console.log(JSON.stringify({ mib, error: error.name, message: error.message }));
}
`;

Deno.test("containedSpawner() stops ArrayBuffer allocation at the data limit", async (t) => {
  await using dir = await tempDir();
  await dir.write("allocate.js", ALLOCATE);
  const command = denoScript(dir.path, "allocate.js");

  await t.step("without containment the child passes 1 GiB", async () => {
    const finished = await runToEnd(denoSpawner, { ...command, limits: { dataBytes: GIB } });
    assert.deepEqual(report(finished), { mib: 1536 }, finished.stderr);
  });
  await t.step("with dataBytes 1 GiB it gets a RangeError before 1 GiB", async () => {
    const spawner = containedSpawner(realContainment());
    const finished = await runToEnd(spawner, { ...command, limits: { dataBytes: GIB } });
    const result = report(finished);
    assert.equal(result.error, "RangeError", finished.stdout + finished.stderr);
    assert.match(String(result.message), /allocation failed/);
    assert.ok(typeof result.mib === "number" && result.mib < 1024, `reached ${result.mib} MiB`);
  });
});

const OPEN_FILES = `
const kept = [];
try {
  while (kept.length < 200) kept.push(Deno.openSync(Deno.args[0]));
  console.log(JSON.stringify({ opened: kept.length }));
} catch (error) {
  console.log(JSON.stringify({ opened: kept.length, error: error.name, message: error.message }));
}
`;

Deno.test("containedSpawner() stops opening files at the open-file limit", async (t) => {
  await using dir = await tempDir();
  await dir.write("open.js", OPEN_FILES);
  const target = await dir.write("target.txt", "x");
  const base = denoScript(dir.path, "open.js");
  const command = { ...base, args: [...base.args, target], limits: { openFiles: 64 } };

  await t.step("without containment the child opens 200", async () => {
    const finished = await runToEnd(denoSpawner, command);
    assert.deepEqual(report(finished), { opened: 200 }, finished.stderr);
  });
  await t.step("with openFiles 64 it fails with EMFILE before 64", async () => {
    const finished = await runToEnd(containedSpawner(realContainment()), command);
    const result = report(finished);
    assert.match(String(result.message), /Too many open files|EMFILE/, finished.stderr);
    assert.ok(typeof result.opened === "number" && result.opened < 64, `opened ${result.opened}`);
  });
});

/** Spawns a spinning child through the contained spawner, prints its pid, and waits. */
const HOST = (moduleUrl: string, dir: string): string => `
import { containedSpawner, probeContainment } from ${JSON.stringify(moduleUrl)};
const containment = probeContainment();
if (!containment.parentDeathSignal) throw new Error(containment.warnings.join("; "));
const child = containedSpawner(containment).spawn({
  program: Deno.execPath(),
  args: ["run", "--no-config", ${JSON.stringify(join(dir, "spin.js"))}],
  env: { DENO_DIR: ${JSON.stringify(join(dir, "deno_dir"))}, NO_COLOR: "1" },
  cwd: ${JSON.stringify(dir)},
});
await child.stdin.close();
// Wait until the child runs its own code, so the death signal is surely set.
await child.stdout.getReader().read();
console.log(child.pid);
await child.status;
`;
const SPIN = `console.log("spinning");\nwhile (true) {}\n`;

Deno.test("containedSpawner() children die when the host is SIGKILLed", async () => {
  await using dir = await tempDir();
  await dir.write("spin.js", SPIN);
  const hostPath = await dir.write(
    "host.ts",
    HOST(new URL("./contained_spawner.ts", import.meta.url).href, dir.path),
  );
  const host = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-env", "--allow-read", "--allow-run", hostPath],
    cwd: dir.path,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(host.stderr).text();
  const reader = host.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let childPid: number | undefined;
  try {
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) assert.fail(`host exited before printing a pid: ${await stderr}`);
      out += value;
    }
    childPid = Number(out.trim());
    assert.ok(Number.isInteger(childPid) && childPid > 0, `not a pid: ${out}`);

    const cmdline = decoder.decode(await readProc(childPid, "cmdline")).split("\0");
    assert.equal(cmdline[0], Deno.execPath(), "the spawned pid is deno itself");
    assert.ok(cmdline.includes(join(dir.path, "spin.js")));
    assert.ok(await isRunning(childPid));

    host.kill("SIGKILL");
    assert.equal((await host.status).signal, "SIGKILL");

    const deadline = Date.now() + 5000;
    while (await isRunning(childPid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await isRunning(childPid), false, `child ${childPid} outlived its SIGKILLed host`);
  } finally {
    try {
      host.kill("SIGKILL");
    } catch { /* already exited */ }
    await host.status;
    await reader.cancel();
    await stderr;
    if (childPid !== undefined && await isRunning(childPid)) Deno.kill(childPid, "SIGKILL");
  }
});
