/**
 * The options every command that touches installed extensions shares: where
 * the data directory and the workspace are.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { Conductor, type ExtensionLogLine, type StateChange } from "../conductor/mod.ts";
import type { CliIo } from "./cli_io.ts";
import { actor } from "./install_extension.ts";
import { terminalText } from "./terminal_text.ts";

/** The `parseArgs` option definitions for `--home` and `--workspace`. */
export const HOST_OPTIONS = {
  home: { type: "string" },
  workspace: { type: "string" },
} as const;

/** The help lines for {@linkcode HOST_OPTIONS}. */
export const HOST_OPTIONS_HELP =
  `  --home DIR       the data directory ($SYMPHONY_HOME, else this, else ~/.symphony)
  --workspace DIR  what \${workspace} means ($SYMPHONY_WORKSPACE, else this, else the current directory)`;

/**
 * Makes the Conductor for a command, with extensions' log lines on stderr.
 *
 * @param values The parsed `--home` and `--workspace`.
 * @param io Where log lines go.
 * @param options `states`: print state changes on stderr (the dev host does).
 * @returns The Conductor; dispose it to stop the extensions it started.
 *
 * @example
 * ```ts
 * import { hostConductor } from "./host_options.ts";
 * import assert from "node:assert/strict";
 *
 * await using conductor = hostConductor({ home: "/tmp/h", workspace: "/tmp" }, { stdout() {}, stderr() {} });
 * assert.equal(conductor.layout.home, Deno.env.get("SYMPHONY_HOME") ?? "/tmp/h");
 * ```
 */
export function hostConductor(
  values: { home?: string | undefined; workspace?: string | undefined },
  io: CliIo,
  options: { states?: boolean } = {},
): Conductor {
  const home = Deno.env.get("SYMPHONY_HOME") ?? values.home ??
    join(Deno.env.get("HOME") ?? ".", ".symphony");
  const workspace = Deno.env.get("SYMPHONY_WORKSPACE") ?? values.workspace ?? Deno.cwd();
  return new Conductor({
    actor: actor(),
    home: resolve(home),
    workspace: resolve(workspace),
    onLog: (line: ExtensionLogLine) =>
      io.stderr(`[${line.id}] ${line.level}: ${terminalText(line.message)}\n`),
    onNotice: (notice) => io.stderr(`symphony: ${notice.level}: ${terminalText(notice.message)}\n`),
    // Every change but the ready ⇄ busy of each call, which would drown the rest.
    ...(options.states
      ? {
        onStateChange: (change: StateChange) => {
          if (`${change.from}${change.to}` === "readybusy" || change.from === "busy") return;
          io.stderr(
            `[${change.id}] state: ${change.from} → ${change.to} (${
              terminalText(change.reason)
            })\n`,
          );
        },
      }
      : {}),
  });
}

/**
 * Stops the Conductor's extensions politely when the host gets SIGINT or
 * SIGTERM (each `deactivate` has a bounded time), then exits 130 or 143; a
 * second signal, or 10 s without an end, exits at once.
 *
 * @param conductor The host's Conductor.
 * @returns Removes the signal handlers when disposed; after a signal, the
 * disposal waits for that stop and exits with the signal's status, so a
 * command whose work the signal ended does not exit with its own error first.
 */
export function stopOnSignals(conductor: Conductor): AsyncDisposable {
  let stopping: { code: number; done: Promise<void> } | undefined;
  const removers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const code = signal === "SIGINT" ? 130 : 143;
    const handler = (): void => {
      // A second signal, or a stop that takes too long, leaves at once.
      if (stopping !== undefined) Deno.exit(code);
      setTimeout(() => Deno.exit(code), 10_000);
      const done = conductor.stopAll().finally(() => Deno.exit(code));
      stopping = { code, done };
    };
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  });
  return {
    async [Symbol.asyncDispose](): Promise<void> {
      for (const remove of removers) remove();
      // The command ended because the signal stopped its extensions: the
      // exit status is the signal's, once the stop is done.
      if (stopping !== undefined) {
        await stopping.done.catch(() => {});
        Deno.exit(stopping.code);
      }
    },
  };
}
