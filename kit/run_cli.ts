/**
 * The `symphony` command line: dispatches to a command and turns every
 * failure into `error[<Code>]: <message>`, never a stack trace.
 *
 * @module
 */
import { SymphonyError } from "../symphony_error.ts";
import { SYMPHONY_VERSION } from "../version.ts";
import type { CliIo } from "./cli_io.ts";
import { terminalText } from "./terminal_text.ts";
import { auditCommand } from "./audit_command.ts";
import { callCommand } from "./call_command.ts";
import { installCommand } from "./install_command.ts";
import { devCommand } from "./dev_command.ts";
import { gcCommand } from "./gc_command.ts";
import { grantCommand, grantsCommand, revokeCommand } from "./grants_commands.ts";
import { lifecycleCommand } from "./lifecycle_commands.ts";
import { listCommand } from "./list_command.ts";
import { uninstallCommand } from "./uninstall_command.ts";
import { validateCommand } from "./validate_command.ts";
import { rollbackCommand, updateCommand } from "./version_commands.ts";
import { settingsCommand } from "./settings_command.ts";
import { trustCommand } from "./trust_command.ts";

interface Command {
  summary: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  validate: { summary: "check an extension's manifest", run: validateCommand },
  install: { summary: "review and install an extension", run: installCommand },
  list: { summary: "list installed extensions", run: listCommand },
  call: { summary: "call a method of an extension in its sandbox", run: callCommand },
  update: { summary: "install another version in place (kept for rollback)", run: updateCommand },
  rollback: { summary: "go back to the version before the last update", run: rollbackCommand },
  uninstall: { summary: "stop and remove an extension", run: uninstallCommand },
  enable: { summary: "re-enable a disabled extension", run: lifecycleCommand("enable") },
  disable: {
    summary: "stop an extension and keep it from starting",
    run: lifecycleCommand("disable"),
  },
  suspend: {
    summary: "freeze an extension (no CPU) until resumed",
    run: lifecycleCommand("suspend"),
  },
  resume: { summary: "resume a suspended extension", run: lifecycleCommand("resume") },
  grants: { summary: "requested vs granted permissions", run: grantsCommand },
  grant: { summary: "grant a requested permission (restarts it)", run: grantCommand },
  revoke: { summary: "revoke a permission (restarts it)", run: revokeCommand },
  trust: { summary: "show or set an extension's trust tier", run: trustCommand },
  settings: {
    summary: "show, set, export or import an extension's settings",
    run: settingsCommand,
  },
  audit: { summary: "the audit trail; --verify checks its hash chain", run: auditCommand },
  gc: {
    summary: "remove old artifacts by a retention policy; --dry-run lists them",
    run: gcCommand,
  },
  dev: { summary: "run the host for development: hot reload, calls from stdin", run: devCommand },
};

/** The help text of `symphony`. */
export const CLI_HELP = `Usage: symphony <command> [args] [--json]

The Orchestra Kit's command line (Symphony ${SYMPHONY_VERSION}).

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}  ${c.summary}`).join("\n")}

Every command takes --json for machine-readable output and --help.
Options:
  -h, --help     show this help
  -V, --version  print the version
`;

/**
 * Runs the command line with the given arguments.
 *
 * @param args The arguments, without the program name.
 * @param io Where to write.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { runCli } from "./run_cli.ts";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io = { stdout: () => {}, stderr: (text: string) => err += text };
 * assert.equal(await runCli(["frobnicate"], io), 1);
 * assert.match(err, /^error\[InvalidInput\]: Cannot run "frobnicate": unknown command/);
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  const json = args.includes("--json");
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      io.stdout(CLI_HELP);
      return name === undefined ? 1 : 0;
    }
    if (name === "--version" || name === "-V") {
      io.stdout(
        json
          ? JSON.stringify({ version: SYMPHONY_VERSION }) + "\n"
          : `symphony ${SYMPHONY_VERSION}\n`,
      );
      return 0;
    }
    const command = COMMANDS[name];
    if (command === undefined) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot run "${name}": unknown command; commands: ${Object.keys(COMMANDS).join(", ")}`,
      );
    }
    return await command.run(rest, io);
  } catch (error) {
    const { code, message } = describeError(error);
    if (json) io.stdout(JSON.stringify({ error: { code, message } }) + "\n");
    // Messages can quote an extension: nothing in them may drive the terminal.
    else io.stderr(`error[${code}]: ${terminalText(message)}\n`);
    return 1;
  }
}

function describeError(error: unknown): SymphonyError {
  if (error instanceof SymphonyError) return error;
  if (error instanceof Deno.errors.PermissionDenied) {
    return new SymphonyError("PermissionDenied", `Cannot read: ${error.message}`, { cause: error });
  }
  if (error instanceof Deno.errors.NotFound) {
    return new SymphonyError("NotFound", `Cannot read: ${error.message}`, { cause: error });
  }
  // node:util parseArgs reports unknown options and missing values this way.
  if (
    error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")
  ) {
    return new SymphonyError("InvalidInput", `Cannot parse arguments: ${error.message}`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SymphonyError("Internal", `Cannot finish the command: ${message} (this is a bug)`, {
    cause: error,
  });
}
