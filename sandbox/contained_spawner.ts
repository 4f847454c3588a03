/**
 * OS-level containment of extension processes on Linux: a data-segment limit
 * (which bounds ArrayBuffers and other memory outside the V8 heap), an
 * open-file limit, and a parent-death signal so that no extension outlives
 * the host, even one killed with SIGKILL.
 *
 * The command is wrapped in util-linux's `setpriv` and `prlimit`, which both
 * `exec`, so the spawned pid is the extension's own pid.
 *
 * @module
 */
import { denoSpawner, type SpawnCommand, type SpawnedProcess, type Spawner } from "./spawner.ts";

/** What this machine can enforce on an extension process. */
export interface Containment {
  /** RLIMIT_DATA can be set (`prlimit --data`). */
  dataLimit: boolean;
  /** RLIMIT_NOFILE can be set (`prlimit --nofile`). */
  openFileLimit: boolean;
  /** The process is killed when the host dies (`setpriv --pdeathsig KILL`). */
  parentDeathSignal: boolean;
  /** Plain sentences, one per limit that cannot be enforced here, saying what is missing and what that means. */
  warnings: string[];
  /** Absolute path of `setpriv`, when found, for the wrapper. */
  setpriv?: string;
  /** Absolute path of `prlimit`, when found, for the wrapper. */
  prlimit?: string;
}

/** Options for {@linkcode probeContainment}. */
export interface ProbeContainmentOptions {
  /** The operating system. Default: `Deno.build.os`. */
  os?: typeof Deno.build.os;
  /**
   * Finds a program by name and returns its absolute path. Default: the first
   * regular, executable file of that name in a directory of `PATH`.
   */
  findProgram?: (name: string) => string | undefined;
}

/**
 * Finds out which OS limits can be enforced on extension processes here.
 *
 * @param options The operating system and how to find programs; defaults are the real ones.
 * @returns What can be enforced, the tools' paths, and a warning for each gap.
 * @throws {Deno.errors.NotCapable} With the default finder, without `--allow-env=PATH`
 * or read permission for the `PATH` directories.
 *
 * @example Nothing is enforceable off Linux, and the warnings say so
 * ```ts
 * import { probeContainment } from "./contained_spawner.ts";
 * import assert from "node:assert/strict";
 *
 * const containment = probeContainment({ os: "darwin", findProgram: () => "/usr/bin/x" });
 * assert.equal(containment.dataLimit, false);
 * assert.equal(containment.parentDeathSignal, false);
 * assert.equal(containment.warnings.length, 3);
 * assert.match(containment.warnings[0] ?? "", /^Cannot limit extension memory beyond the V8 heap on darwin/);
 * ```
 *
 * @example On Linux, the tools found decide
 * ```ts
 * import { probeContainment } from "./contained_spawner.ts";
 * import assert from "node:assert/strict";
 *
 * const containment = probeContainment({
 *   os: "linux",
 *   findProgram: (name) => name === "setpriv" ? "/usr/bin/setpriv" : undefined,
 * });
 * assert.equal(containment.parentDeathSignal, true);
 * assert.equal(containment.setpriv, "/usr/bin/setpriv");
 * assert.equal(containment.openFileLimit, false);
 * assert.equal(containment.warnings.length, 2);
 * ```
 */
export function probeContainment(options: ProbeContainmentOptions = {}): Containment {
  const os = options.os ?? Deno.build.os;
  if (os !== "linux") {
    return {
      dataLimit: false,
      openFileLimit: false,
      parentDeathSignal: false,
      warnings: [
        `Cannot limit extension memory beyond the V8 heap on ${os}: ArrayBuffers and other ` +
        `memory outside the heap are not limited by the operating system, only by a ` +
        `resident-memory watchdog`,
        `Cannot limit the open files of an extension on ${os}: an extension can open files ` +
        `until it reaches the host's own limit`,
        `Cannot make extensions die with the host on ${os}: if the host is killed without a ` +
        `chance to stop them (SIGKILL, a crash), its extension processes keep running`,
      ],
    };
  }
  const find = options.findProgram ?? findOnPath;
  const setpriv = find("setpriv");
  const prlimit = find("prlimit");
  const warnings: string[] = [];
  if (prlimit === undefined) {
    warnings.push(
      "Cannot limit extension memory beyond the V8 heap on linux: prlimit (util-linux) is not " +
        "on PATH, so ArrayBuffers and other memory outside the heap are not limited by the " +
        "operating system, only by a resident-memory watchdog",
      "Cannot limit the open files of an extension on linux: prlimit (util-linux) is not on " +
        "PATH, so an extension can open files until it reaches the host's own limit",
    );
  }
  if (setpriv === undefined) {
    warnings.push(
      "Cannot make extensions die with the host on linux: setpriv (util-linux) is not on PATH, " +
        "so if the host is killed without a chance to stop them (SIGKILL, a crash), its " +
        "extension processes keep running",
    );
  }
  return {
    dataLimit: prlimit !== undefined,
    openFileLimit: prlimit !== undefined,
    parentDeathSignal: setpriv !== undefined,
    warnings,
    ...(setpriv === undefined ? {} : { setpriv }),
    ...(prlimit === undefined ? {} : { prlimit }),
  };
}

/**
 * Wraps a spawner so that every process it starts runs under the limits in
 * `command.limits` that `containment` can enforce, and is killed when the
 * host dies: the command becomes
 * `setpriv --pdeathsig KILL -- prlimit --data=N --nofile=M -- <program> <args...>`,
 * with only the parts available and the limits asked for. The environment and
 * working directory are unchanged; since the wrappers look the program up on
 * the command's own `PATH`, give `program` as an absolute path.
 *
 * The parent-death signal follows the thread that spawns, so spawn from the
 * main thread, not from a worker that may end before the host.
 *
 * @param containment What can be enforced here, from {@linkcode probeContainment}.
 * @param inner The spawner that starts the wrapped command. Default: {@linkcode denoSpawner}.
 * @returns A spawner that applies the limits; `inner` itself when nothing can be enforced.
 * @throws {TypeError} When `containment` claims a capability without the tool's path.
 * @throws {RangeError} From `spawn`, when a limit is not a positive integer.
 *
 * @example The wrapped command line
 * ```ts
 * import { containedSpawner } from "./contained_spawner.ts";
 * import type { SpawnCommand, Spawner } from "./spawner.ts";
 * import assert from "node:assert/strict";
 *
 * const seen: SpawnCommand[] = [];
 * const recorder: Spawner = {
 *   spawn(command) {
 *     seen.push(command);
 *     throw new Error("recorded only");
 *   },
 * };
 * const spawner = containedSpawner({
 *   dataLimit: true, openFileLimit: true, parentDeathSignal: true, warnings: [],
 *   setpriv: "/usr/bin/setpriv", prlimit: "/usr/bin/prlimit",
 * }, recorder);
 * assert.throws(() =>
 *   spawner.spawn({
 *     program: "/bin/deno", args: ["run", "x.ts"], env: {}, cwd: "/",
 *     limits: { dataBytes: 1073741824 },
 *   })
 * );
 * assert.deepEqual(seen[0]?.program, "/usr/bin/setpriv");
 * assert.deepEqual(seen[0]?.args, [
 *   "--pdeathsig", "KILL", "--", "/usr/bin/prlimit", "--data=1073741824", "--", "/bin/deno", "run", "x.ts",
 * ]);
 * ```
 */
export function containedSpawner(containment: Containment, inner: Spawner = denoSpawner): Spawner {
  const setpriv = containment.parentDeathSignal
    ? toolPath(containment.setpriv, "setpriv", "parentDeathSignal")
    : undefined;
  const prlimit = containment.dataLimit || containment.openFileLimit
    ? toolPath(containment.prlimit, "prlimit", "dataLimit or openFileLimit")
    : undefined;
  if (setpriv === undefined && prlimit === undefined) return inner;
  return {
    spawn(command: SpawnCommand): SpawnedProcess {
      let argv = [command.program, ...command.args];
      const limitFlags: string[] = [];
      const { dataBytes, openFiles } = command.limits ?? {};
      if (containment.dataLimit && dataBytes !== undefined) {
        limitFlags.push(`--data=${positiveInteger(dataBytes, "dataBytes")}`);
      }
      if (containment.openFileLimit && openFiles !== undefined) {
        limitFlags.push(`--nofile=${positiveInteger(openFiles, "openFiles")}`);
      }
      if (prlimit !== undefined && limitFlags.length > 0) {
        argv = [prlimit, ...limitFlags, "--", ...argv];
      }
      if (setpriv !== undefined) argv = [setpriv, "--pdeathsig", "KILL", "--", ...argv];
      const [program = command.program, ...args] = argv;
      return inner.spawn({ ...command, program, args });
    },
  };
}

function toolPath(path: string | undefined, tool: string, capability: string): string {
  if (path === undefined) {
    throw new TypeError(`Cannot contain processes: ${capability} is set but ${tool} has no path`);
  }
  return path;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Cannot apply limits: ${name} must be a positive integer, not ${value}`);
  }
  return value;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir.startsWith("/")) continue;
    const path = `${dir.replace(/\/+$/, "")}/${name}`;
    try {
      const info = Deno.statSync(path);
      if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) return path;
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
    }
  }
  return undefined;
}
