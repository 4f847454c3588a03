/**
 * `symphony dev` (what `deno task dev` runs): a long-running host for an
 * extension author. It starts the extensions marked `activation = "eager"`,
 * watches every development install (`install --dev`) and reloads it when its
 * files change, and takes calls typed on stdin, one per line:
 * `<id> <method> [JSON input]`, `list`, `quit`. Beside it runs the web UI on
 * `127.0.0.1` (`--port N`, else `$SYMPHONY_PORT`, else 7777; `--no-ui` to
 * skip it) and prints the URL to open, with its token. It stops its
 * extensions and the UI politely on `quit`, SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { SymphonyError } from "../symphony_error.ts";
import { DEFAULT_UI_PORT, serveUi } from "../ui/mod.ts";
import type { CliIo } from "./cli_io.ts";
import { watchDevExtensions } from "./dev_watcher.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor, stopOnSignals } from "./host_options.ts";
import type { ReloadResult } from "./reload_extension.ts";
import { terminalText } from "./terminal_text.ts";

/** The help text of `dev`. */
export const DEV_HELP = `Usage: symphony dev

Runs the host for development: starts the extensions marked activation =
"eager", watches every extension installed with install --dev and reloads it
when its files change (a reload that fails keeps the last good version
running), and takes commands on stdin, one per line:

  <id> <method> [JSON]   call a method (input default null)
  list                   installed extensions and their states
  quit                   stop every extension and leave

It also serves the web UI on 127.0.0.1 and prints the URL to open it,
http://127.0.0.1:<port>/?token=<token>.

Options:
${HOST_OPTIONS_HELP}
  --port N         the UI's port ($SYMPHONY_PORT, else ${DEFAULT_UI_PORT}; 0: any free port)
  --no-ui          do not serve the web UI
  -h, --help       show this help

Stops on quit, SIGINT (exit 130) or SIGTERM (exit 143).
`;

/**
 * Runs `dev` until `quit` or a signal.
 *
 * @param args The arguments after `dev`.
 * @param io Where to write.
 * @param input The command lines (default: stdin).
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { devCommand } from "./dev_command.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * assert.equal(await devCommand(["--help"], { stdout: (t) => out += t, stderr() {} }), 0);
 * assert.match(out, /^Usage: symphony dev/);
 * ```
 */
export async function devCommand(
  args: readonly string[],
  io: CliIo,
  input: ReadableStream<Uint8Array> = Deno.stdin.readable,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      help: { type: "boolean", short: "h" },
      port: { type: "string" },
      "no-ui": { type: "boolean" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(DEV_HELP), 0);
  if (positionals.length > 0) {
    throw new SymphonyError("InvalidInput", "Cannot run dev: it takes no arguments");
  }
  const port = values["no-ui"] ? undefined : uiPort(values.port);
  await using conductor = hostConductor(values, io, { states: true });
  await using _signals = stopOnSignals(conductor);
  await using watching = await watchDevExtensions(conductor, {
    onReload: (result) => io.stdout(reloadLine(result)),
  });
  const installed = await conductor.list();
  io.stdout(
    `symphony dev: ${installed.length} extensions installed, ${watching.ids.length} watched for changes${
      watching.ids.length === 0 ? "" : ` (${watching.ids.join(", ")})`
    }\n`,
  );
  // The default port, when taken, gives way to the next free one; a chosen one does not.
  await using ui = port === undefined ? undefined : serveUi({
    conductor,
    port: port.value,
    portRetries: port.chosen ? 0 : 10,
    onInternalError: (error) =>
      io.stderr(
        `symphony: error: the UI failed: ${
          terminalText(error instanceof Error ? error.stack ?? error.message : String(error))
        }\n`,
      ),
  });
  if (ui !== undefined) io.stdout(`${ui.url}\n`);
  await conductor.startEager();
  // The host policy's retention, if it has one, runs on its schedule.
  conductor.startRetention();
  io.stdout("ready: type <id> <method> [JSON], list or quit\n");
  const lines = input.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    pending += value;
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line === "quit") return (await conductor.stopAll(), 0);
      if (line !== "") io.stdout(await runLine(conductor, line));
    }
  }
  // Input closed (no terminal): keep serving reloads until a signal.
  await new Promise(() => {});
  return 0;
}

const portSchema = z.coerce.number().int().min(0).max(65_535);

// The UI's port: --port, else $SYMPHONY_PORT, else the default; whether the user chose it.
function uiPort(option: string | undefined): { value: number; chosen: boolean } {
  const [text, from] = option !== undefined
    ? [option, "--port"]
    : [Deno.env.get("SYMPHONY_PORT"), "$SYMPHONY_PORT"];
  if (text === undefined || text === "") return { value: DEFAULT_UI_PORT, chosen: false };
  const parsed = portSchema.safeParse(text.trim() === "" ? Number.NaN : text);
  if (!parsed.success) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot run dev: ${from} must be a port number from 0 to 65535, not ${JSON.stringify(text)}`,
    );
  }
  return { value: parsed.data, chosen: true };
}

function reloadLine(result: ReloadResult): string {
  return result.ok
    ? `reloaded ${result.id} ${result.version}${
      result.restarted ? " (restarted; state carried by snapshot/restore)" : ""
    }\n`
    : `reload of ${result.id} refused: ${
      terminalText(result.reason)
    }; the last good version keeps running\n`;
}

async function runLine(
  conductor: Awaited<ReturnType<typeof hostConductor>>,
  line: string,
): Promise<string> {
  try {
    if (line === "list") {
      const rows = await Promise.all(
        (await conductor.list()).map(async (e) =>
          `${e.id} ${e.version} ${await conductor.state(e.id)}`
        ),
      );
      return rows.length === 0 ? "no extensions installed\n" : rows.join("\n") + "\n";
    }
    const match = /^(\S+)\s+(\S+)(?:\s+(.+))?$/.exec(line);
    if (match === null) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot read "${line}": expected <id> <method> [JSON]`,
      );
    }
    const [, id = "", method = "", text] = match;
    let input: unknown = null;
    if (text !== undefined) {
      try {
        input = JSON.parse(text);
      } catch (cause) {
        throw new SymphonyError(
          "InvalidInput",
          `Cannot call ${id} ${method}: the input is not JSON`,
          {
            cause,
          },
        );
      }
    }
    return JSON.stringify(await conductor.call(id, method, input)) + "\n";
  } catch (error) {
    const code = error instanceof SymphonyError ? error.code : "Internal";
    return `error[${code}]: ${terminalText((error as Error).message)}\n`;
  }
}
