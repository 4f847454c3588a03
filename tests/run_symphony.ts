/**
 * Runs the command line as a user does, `deno task symphony ...`, in a child
 * process with the task's own permissions.
 *
 * @module
 */
import { join } from "node:path";

/** The project's root directory. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** The fixtures directory. */
export const FIXTURES: string = join(ROOT, "tests", "fixtures");

/** `deno run` and the `symphony` task's permission flags: append a script and its arguments. */
export const HOST_RUN_ARGS: readonly string[] = [
  "run",
  "--quiet",
  "--no-prompt",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
];

/**
 * Starts the command line as the `symphony` task does, but as one process: a
 * signal sent to it reaches the host itself, not `deno task`. Append the
 * command's arguments.
 */
export const SYMPHONY_PROCESS_ARGS: readonly string[] = [
  ...HOST_RUN_ARGS,
  join(ROOT, "kit", "cli.ts"),
];

/** What a run printed, and its exit code. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno task symphony` with the given arguments from the project root.
 *
 * @param args The arguments after `symphony`.
 * @param env Extra environment variables, such as `SYMPHONY_HOME`.
 * @returns The exit code and output.
 *
 * @example
 * ```ts
 * import { runSymphony } from "./run_symphony.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await runSymphony(["--version"]);
 * assert.equal(run.code, 0);
 * assert.match(run.stdout, /^symphony \d+\.\d+\.\d+/);
 * ```
 */
export async function runSymphony(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "symphony", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    // A regression that makes a command hang fails the test instead of stalling the run.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
