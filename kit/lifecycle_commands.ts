/**
 * `symphony enable|disable|suspend|resume <id>`: an admin's control over an
 * extension's lifecycle. Each change is recorded in the extension's history
 * and the audit trail, and holds for every later host until changed back; a
 * host already running the extension (`symphony dev`) applies it within a
 * second.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Conductor } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";

interface LifecycleAction {
  does: string;
  done: string;
  run(conductor: Conductor, id: string): Promise<void>;
}

const ACTIONS: Record<string, LifecycleAction> = {
  enable: {
    does: `Enables an extension that the circuit breaker (3 crashes in 5 minutes) or an
admin disabled. Its earlier crashes no longer count; it starts on next need.
An extension an update disabled for asking for new permissions is granted
them: enabling it approves them.`,
    done: "enabled",
    run: (conductor, id) => conductor.enable(id),
  },
  disable: {
    does: `Disables an extension: it is stopped, and calls fail with Disabled until
symphony enable.`,
    done: "disabled",
    run: (conductor, id) => conductor.disable(id),
  },
  suspend: {
    does: `Suspends an extension: a running process is stopped with SIGSTOP once its calls
in flight are done, so it holds no CPU but keeps its memory and resumes at
once; a later host does not start it. Calls meanwhile wait, up to their
timeout, for symphony resume.`,
    done: "suspended",
    run: (conductor, id) => conductor.suspend(id),
  },
  resume: {
    does: "Resumes a suspended extension.",
    done: "resumed",
    run: (conductor, id) => conductor.resume(id),
  },
};

/**
 * The help text of one lifecycle command.
 *
 * @param name `enable`, `disable`, `suspend` or `resume`.
 * @returns The help text.
 */
export function lifecycleHelp(name: string): string {
  return `Usage: symphony ${name} <id> [--json]

${ACTIONS[name]?.does ?? ""}

Options:
  --json           print the new state as JSON
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 done, 1 error.
`;
}

/**
 * Makes the command for one lifecycle action.
 *
 * @param name `enable`, `disable`, `suspend` or `resume`.
 * @returns The command's run function.
 *
 * @example
 * ```ts
 * import { lifecycleCommand } from "./lifecycle_commands.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * assert.equal(await lifecycleCommand("enable")(["--help"], { stdout: (t) => out += t, stderr() {} }), 0);
 * assert.match(out, /^Usage: symphony enable <id>/);
 * ```
 */
export function lifecycleCommand(
  name: keyof typeof ACTIONS,
): (args: readonly string[], io: CliIo) => Promise<number> {
  const action = ACTIONS[name];
  if (action === undefined) throw new TypeError(`No lifecycle command ${name}`);
  return async (args, io) => {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        ...HOST_OPTIONS,
      },
      allowPositionals: true,
    });
    if (values.help) return (io.stdout(lifecycleHelp(name)), 0);
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot ${name}: expected one id, got ${positionals.length}`,
      );
    }
    await using conductor = hostConductor(values, io);
    await action.run(conductor, id);
    const state = await conductor.state(id);
    io.stdout(values.json ? JSON.stringify({ id, state }) + "\n" : `${action.done} ${id}\n`);
    return 0;
  };
}
