/**
 * `symphony uninstall <id> [--force] [--keep-data]`: stops the extension,
 * archives its settings, and removes its code, cache and data. It refuses
 * while another installed extension depends on it, unless forced.
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
export const UNINSTALL_HELP = `Usage: symphony uninstall <id> [--force] [--keep-data] [--json]

Stops the extension, archives its settings under the data directory's
host/archive, and removes its code, cache, temporary files and data. It
refuses while another installed extension depends on it.

Options:
  --force          uninstall even though other extensions depend on it
  --keep-data      keep its data directory
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
    options: {
      json: { type: "boolean" },
      force: { type: "boolean" },
      "keep-data": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
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
  const dependents = (await conductor.list()).filter((e) =>
    e.id !== id && (id in e.manifest.dependencies || id in e.manifest.peer_dependencies)
  ).map((e) => e.id);
  if (dependents.length > 0 && !values.force) {
    throw new SymphonyError(
      "DependencyError",
      `Cannot uninstall ${id}: ${dependents.join(", ")} depend${
        dependents.length === 1 ? "s" : ""
      } on it; uninstall ${dependents.length === 1 ? "it" : "them"} first, or pass --force`,
    );
  }
  await conductor.stop(id);
  const { layout } = conductor;
  const archive = join(layout.archiveDir, `${id}-${installed.version}-${Date.now()}.json`);
  await Deno.mkdir(layout.archiveDir, { recursive: true });
  await Deno.writeTextFile(
    archive,
    JSON.stringify({ id, version: installed.version, settings: installed.settings }, null, 2),
  );
  await conductor.store.updateAudited(
    (state) => {
      const { [id]: _, ...rest } = state.extensions;
      return { ...state, extensions: rest };
    },
    conductor.audit,
    [{
      kind: "uninstall",
      extension: id,
      actor: actor(),
      detail: {
        version: installed.version,
        settingsArchive: archive,
        dataKept: values["keep-data"] === true,
        ...(dependents.length > 0 ? { forcedPast: dependents } : {}),
      },
    }],
  );
  const removed = [join(layout.extensionsDir, id), layout.cacheDir(id), layout.tmpDir(id)];
  if (!values["keep-data"]) removed.push(layout.dataDir(id));
  for (const dir of removed) {
    await Deno.remove(dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  const report = {
    id,
    version: installed.version,
    settingsArchive: archive,
    ...(values["keep-data"] ? { dataKept: layout.dataDir(id) } : {}),
  };
  io.stdout(
    values.json
      ? JSON.stringify(report) + "\n"
      : `uninstalled ${id} ${installed.version}; settings archived in ${archive}${
        values["keep-data"] ? `; data kept in ${layout.dataDir(id)}` : "; its data removed"
      }\n`,
  );
  return 0;
}
