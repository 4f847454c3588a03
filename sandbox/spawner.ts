/**
 * The one place extension processes are started, so that tests can see the
 * exact command and later work can wrap it in OS-level limits.
 *
 * @module
 */

/** OS limits for one process; each is applied where the platform can. */
export interface ProcessLimits {
  /** RLIMIT_DATA in bytes. */
  dataBytes?: number;
  /** RLIMIT_NOFILE. */
  openFiles?: number;
}

/** A command to start: the program, its arguments, and the whole environment. */
export interface SpawnCommand {
  program: string;
  args: string[];
  /** The complete environment: nothing else is inherited from the host. */
  env: Record<string, string>;
  /** The working directory. */
  cwd: string;
  /**
   * OS limits for the process. A plain spawner such as {@linkcode denoSpawner}
   * ignores them; `containedSpawner` applies those the platform can enforce.
   * Default: none.
   */
  limits?: ProcessLimits;
}

/** A started process with piped standard streams. */
export interface SpawnedProcess {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves when the process has exited. */
  readonly status: Promise<{ success: boolean; code: number; signal: string | null }>;
  kill(signal?: Deno.Signal): void;
}

/** Starts processes. */
export interface Spawner {
  spawn(command: SpawnCommand): SpawnedProcess;
}

/**
 * The real spawner: `Deno.Command` with a cleared environment and piped
 * streams. It ignores `command.limits`: wrap it in `containedSpawner` to
 * enforce them.
 *
 * @example
 * ```ts
 * import { denoSpawner } from "./spawner.ts";
 * import assert from "node:assert/strict";
 *
 * const child = denoSpawner.spawn({ program: "true", args: [], env: {}, cwd: "/" });
 * await child.stdin.close();
 * await child.stdout.cancel();
 * await child.stderr.cancel();
 * assert.equal((await child.status).code, 0);
 * ```
 */
export const denoSpawner: Spawner = {
  spawn(command: SpawnCommand): SpawnedProcess {
    return new Deno.Command(command.program, {
      args: command.args,
      env: command.env,
      clearEnv: true,
      cwd: command.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  },
};
