/**
 * `symphony update <id> <dir> [--yes]` and `symphony rollback <id>`: move an
 * installed extension to another version and back. An update keeps the old
 * version's code, grants and settings for rollback; one that asks for new
 * permissions installs but stays disabled until an admin enables it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Conductor, InstalledExtension } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { actor, installExtension } from "./install_extension.ts";

/** The help text of `update`. */
export const UPDATE_HELP = `Usage: symphony update <id> <dir> [--yes] [--json]

Installs the version of <id> in <dir> in place of the installed one. Its
grants and settings carry over; the old version is kept for symphony
rollback. An update that asks for permissions the old version did not
installs but stays disabled until an admin runs symphony enable <id>.

Options:
  --yes            accept the review without asking
  --json           print the new record as JSON
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 updated; 1 refused; 2 the review was not confirmed.
`;

/** The help text of `rollback`. */
export const ROLLBACK_HELP = `Usage: symphony rollback <id> [--json]

Goes back to the version installed before the last update, with the grants
and settings it had. Rolling back twice goes forward again.

Options:
  --json           print the new record as JSON
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 rolled back, 1 error.
`;

/**
 * Runs `update`.
 *
 * @param args The arguments after `update`.
 * @param io Where to write.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { updateCommand } from "./version_commands.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(updateCommand(["acme.x"], { stdout() {}, stderr() {} }), /expected <id> <dir>/);
 * ```
 */
export async function updateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      yes: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(UPDATE_HELP), 0);
  const [id, dir, ...extra] = positionals;
  if (id === undefined || dir === undefined || extra.length > 0) {
    throw new SymphonyError("InvalidInput", "Cannot update: expected <id> <dir>");
  }
  await using conductor = hostConductor(values, io);
  let confirmed = values.yes === true;
  const updated = await installExtension(dir, {
    conductor,
    update: true,
    progress: (message) => io.stderr(`${message}\n`),
    confirm: (review) => {
      (values.json ? io.stderr : io.stdout)(review);
      return Promise.resolve(confirmed);
    },
  });
  if (updated === undefined) {
    confirmed = false;
    io.stderr(
      "error[PermissionDenied]: Cannot update: the review was not confirmed; pass --yes to accept it\n",
    );
    return 2;
  }
  if (updated.id !== id) {
    throw new SymphonyError("InvalidInput", `Cannot update ${id}: ${dir} holds ${updated.id}`);
  }
  if (values.json) io.stdout(JSON.stringify(updated) + "\n");
  else {
    io.stdout(
      `updated ${id} from ${updated.previous?.version} to ${updated.version}${
        updated.disabled === undefined ? "" : `; disabled: ${updated.disabled.reason}`
      }\n`,
    );
  }
  return 0;
}

/**
 * Rolls an extension back to the version before its last update.
 *
 * @param conductor The host.
 * @param id The extension.
 * @returns The record now installed.
 * @throws {SymphonyError} `NotFound` when there is nothing to roll back to.
 */
export async function rollbackExtension(
  conductor: Conductor,
  id: string,
): Promise<InstalledExtension> {
  const current = await conductor.get(id);
  const previous = current.previous;
  if (previous === undefined) {
    throw new SymphonyError("NotFound", `Cannot roll back ${id}: no earlier version is kept`);
  }
  const { previous: _, ...forward } = current;
  const restored: InstalledExtension = {
    ...previous,
    ...(current.history === undefined ? {} : { history: current.history }),
    previous: forward,
  };
  // The swap and its audit record are committed together, or neither.
  await conductor.store.updateAudited(
    (state) => {
      if (state.extensions[id]?.version !== current.version) {
        throw new SymphonyError("Internal", `Cannot roll back ${id}: it changed meanwhile`);
      }
      return { ...state, extensions: { ...state.extensions, [id]: restored } };
    },
    conductor.audit,
    [{
      kind: "rollback",
      extension: id,
      actor: actor(),
      detail: { from: current.version, to: previous.version },
    }],
  );
  await conductor.stop(id, "rolled back");
  return restored;
}

/**
 * Runs `rollback`.
 *
 * @param args The arguments after `rollback`.
 * @param io Where to write.
 * @returns The exit code.
 */
export async function rollbackCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...HOST_OPTIONS },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(ROLLBACK_HELP), 0);
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot roll back: expected one id, got ${positionals.length}`,
    );
  }
  await using conductor = hostConductor(values, io);
  const restored = await rollbackExtension(conductor, id);
  io.stdout(
    values.json
      ? JSON.stringify(restored) + "\n"
      : `rolled back ${id} to ${restored.version} (${restored.previous?.version} kept for rollback)\n`,
  );
  return 0;
}
