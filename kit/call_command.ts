/**
 * `symphony call <id> <method> [--input JSON]`: starts the extension if
 * needed, calls the method and prints the JSON result.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor, stopOnSignals } from "./host_options.ts";

/** The help text of `call`. */
export const CALL_HELP = `Usage: symphony call <id> <method> [--input JSON]

Starts the extension in its sandbox if needed, calls the method with the
input (default null), and prints the JSON result on stdout. The extension's
log lines go to stderr.

Options:
  --input JSON     the method's input
  --json           errors as JSON on stdout too
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 ok, 1 error.
`;

/**
 * Runs `call`.
 *
 * @param args The arguments after `call`.
 * @param io Where to write.
 * @returns The exit code.
 * @throws {SymphonyError} With the contract's code of the failure.
 *
 * @example
 * ```ts
 * import { callCommand } from "./call_command.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(callCommand(["acme.x", "f", "--input", "{nope"], { stdout() {}, stderr() {} }), /not JSON/);
 * ```
 */
export async function callCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      input: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(CALL_HELP), 0);
  const [id, method, ...extra] = positionals;
  if (id === undefined || method === undefined || extra.length > 0) {
    throw new SymphonyError(
      "InvalidInput",
      "Cannot call: expected <id> <method>; see symphony call --help",
    );
  }
  let input: unknown = null;
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input);
    } catch (cause) {
      throw new SymphonyError("InvalidInput", `Cannot call ${id} ${method}: --input is not JSON`, {
        cause,
      });
    }
  }
  await using conductor = hostConductor(values, io);
  await using _signals = stopOnSignals(conductor);
  const result = await conductor.call(id, method, input);
  io.stdout(JSON.stringify(result) + "\n");
  return 0;
}
