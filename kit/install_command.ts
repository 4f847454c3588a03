/**
 * `symphony install <dir> [--yes]`: verifies, resolves dependencies, shows
 * the permission review and installs.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { installExtension } from "./install_extension.ts";

/** The help text of `install`. */
export const INSTALL_HELP = `Usage: symphony install <dir> [--yes] [--dev] [--from DIR] [--json]

Validates the extension in <dir>, checks the package, resolves its
dependencies against what is installed, shows what it may do, and installs it.

Options:
  --yes            accept the permission review without asking
  --from DIR       a directory of available extensions (one per subdirectory):
                   missing dependencies are installed from it first
  --dev            a development install: run from <dir> itself (linked, not
                   copied); symphony dev reloads it when its files change
  --json           print the installed record as JSON
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 installed; 1 refused; 2 the review was not confirmed.
`;

/**
 * Runs `install`.
 *
 * @param args The arguments after `install`.
 * @param io Where to write.
 * @returns The exit code.
 * @throws {SymphonyError} With the contract's code when the install is refused.
 *
 * @example
 * ```ts
 * import { installCommand } from "./install_command.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * assert.equal(await installCommand(["--help"], { stdout: (t) => out += t, stderr() {} }), 0);
 * assert.match(out, /^Usage: symphony install/);
 * ```
 */
export async function installCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      yes: { type: "boolean" },
      dev: { type: "boolean" },
      from: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(INSTALL_HELP), 0);
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot install: expected one directory, got ${positionals.length}`,
    );
  }
  await using conductor = hostConductor(values, io);
  let confirmed = true;
  const record = await installExtension(dir, {
    conductor,
    dev: values.dev === true,
    ...(values.from === undefined ? {} : { from: values.from }),
    progress: (message) => io.stderr(`${message}\n`),
    confirm: async (review) => {
      (values.json ? io.stderr : io.stdout)(review);
      confirmed = values.yes === true || await ask("Install it? [y/N] ", io);
      return confirmed;
    },
  });
  if (record === undefined || !confirmed) {
    const message =
      "Cannot install: the permission review was not confirmed; pass --yes to accept it";
    if (values.json) {
      io.stdout(JSON.stringify({ error: { code: "PermissionDenied", message } }) + "\n");
    } else io.stderr(`error[PermissionDenied]: ${message}\n`);
    return 2;
  }
  if (values.json) io.stdout(JSON.stringify(record) + "\n");
  else {
    io.stdout(
      `installed ${record.id} ${record.version} (${record.manifest.type}${
        record.devDir === undefined ? "" : `, dev: runs from ${record.devDir}`
      })\n`,
    );
  }
  return 0;
}

// Asks on a terminal; without one there is nobody to ask, which is a no.
async function ask(question: string, io: CliIo): Promise<boolean> {
  if (!Deno.stdin.isTerminal()) return false;
  io.stdout(question);
  const buffer = new Uint8Array(256);
  const read = await Deno.stdin.read(buffer);
  const answer = new TextDecoder().decode(buffer.subarray(0, read ?? 0)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}
