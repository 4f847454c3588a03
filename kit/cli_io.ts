/**
 * Where the command-line interface writes, so that tests can capture it.
 *
 * @module
 */

/** The two output streams of a command. */
export interface CliIo {
  /** Writes text to standard output. */
  stdout(text: string): void;
  /** Writes text to standard error. */
  stderr(text: string): void;
}

const encoder = new TextEncoder();

/**
 * The process's real standard output and error.
 *
 * @returns An {@linkcode CliIo} that writes synchronously to the process streams.
 *
 * @example Commands receive an `io`; the executable passes this one
 * ```ts
 * import { processIo } from "./cli_io.ts";
 * import { runCli } from "./run_cli.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await runCli(["--version"], processIo()), 0);
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: (text) => writeAll(Deno.stdout, text),
    stderr: (text) => writeAll(Deno.stderr, text),
  };
}

function writeAll(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}
