/**
 * `symphony uninstall <id>`: stops the extension, removes its code and cache,
 * and archives its settings. Its data directory is kept.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { actor } from "./install_extension.ts";

/** The help text of `uninstall`. */
export const UNINSTALL_HELP = `Usage: symphony uninstall <id> [--json]

Stops the extension, removes its code, cache and temporary files, and
archives its settings under the data directory's host/archive. Its own data
directory is kept.

Options:
  --json           print what was removed as JSON
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 removed, 1 error.
`;

/**
 * Runs `uninstall`.
 *
 * @param args The arguments after `uninstall`.
 * @param io Where to write.
 * @returns The exit code.
 * @throws {SymphonyError} `NotFound` when the extension is not installed.
 *
 * @example
 * ```ts
 * import { uninstallCommand } from "./uninstall_command.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(uninstallCommand([], { stdout() {}, stderr() {} }), /expected one id/);
 * ```
 */
export async function uninstallCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...HOST_OPTIONS },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(UNINSTALL_HELP), 0);
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot uninstall: expected one id, got ${positionals.length}`,
    );
  }
  await using conductor = hostConductor(values, io);
  const installed = await conductor.get(id);
  await conductor.stop(id);
  const { layout } = conductor;
  const archive = join(layout.archiveDir, `${id}-${installed.version}-${Date.now()}.json`);
  await Deno.mkdir(layout.archiveDir, { recursive: true });
  await Deno.writeTextFile(
    archive,
    JSON.stringify({ id, version: installed.version, settings: installed.settings }, null, 2),
  );
  await conductor.store.update((state) => {
    const { [id]: _, ...rest } = state.extensions;
    return { ...state, extensions: rest };
  });
  await conductor.audit.append({
    kind: "uninstall",
    extension: id,
    actor: actor(),
    detail: { version: installed.version, settingsArchive: archive },
  });
  for (const dir of [join(layout.extensionsDir, id), layout.cacheDir(id), layout.tmpDir(id)]) {
    await Deno.remove(dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  const report = {
    id,
    version: installed.version,
    settingsArchive: archive,
    dataKept: layout.dataDir(id),
  };
  io.stdout(
    values.json
      ? JSON.stringify(report) + "\n"
      : `uninstalled ${id} ${installed.version}; settings archived in ${archive}; data kept in ${report.dataKept}\n`,
  );
  return 0;
}
