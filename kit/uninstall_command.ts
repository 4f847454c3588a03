/**
 * `symphony uninstall <id> [--force] [--keep-data]`: stops the extension,
 * archives its settings, and removes its code, cache and data. It refuses
 * while another installed extension depends on it, unless forced.
 *
 * @module
 */
import { actor } from "./install_extension.ts";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Conductor } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";

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
  const report = await uninstallExtension(id, {
    conductor,
    force: values.force === true,
    keepData: values["keep-data"] === true,
  });
  io.stdout(
    values.json
      ? JSON.stringify(report) + "\n"
      : `uninstalled ${id} ${report.version}; settings archived in ${report.settingsArchive}${
        report.dataKept === undefined ? "; its data removed" : `; data kept in ${report.dataKept}`
      }\n`,
  );
  return 0;
}

/** What {@linkcode uninstallExtension} removes, and from which host. */
export interface UninstallExtensionOptions {
  /** The host the extension is uninstalled from: its process is stopped first. */
  conductor: Conductor;
  /** Uninstall even though other installed extensions depend on it. Default: false. */
  force?: boolean;
  /** Keep its data directory. Default: false (it is removed). */
  keepData?: boolean;
  /** Why its process stops, for its history. Default: the Conductor's "stopped by the host". */
  reason?: string;
  /** Who uninstalls, for the audit trail. Default: the user running the host, `cli:<user>`. */
  actor?: string;
}

/** What an uninstall did. */
export interface UninstallReport {
  /** The extension. */
  id: string;
  /** The version that was installed. */
  version: string;
  /** The JSON file its settings were archived in. */
  settingsArchive: string;
  /** Its data directory, when it was kept. */
  dataKept?: string;
}

/**
 * Uninstalls an extension: stops it, archives its settings under the data
 * directory's `host/archive`, removes its record (audited as `uninstall`),
 * then its code, cache, temporary files and, unless kept, its data. The
 * command line's `uninstall` and the web UI's uninstall both do it here.
 *
 * @param id The extension.
 * @param options The host, and what to force or keep.
 * @returns What was removed and where the settings went.
 * @throws {SymphonyError} `NotFound` when it is not installed, `DependencyError`
 *   while another installed extension depends on it (unless `force`).
 *
 * @example
 * ```ts
 * import { uninstallExtension } from "./uninstall_command.ts";
 * import { Conductor } from "../conductor/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * await using conductor = new Conductor({ home, workspace: home });
 * await assert.rejects(uninstallExtension("acme.none", { conductor }), /acme\.none is not installed/);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export async function uninstallExtension(
  id: string,
  options: UninstallExtensionOptions,
): Promise<UninstallReport> {
  const { conductor } = options;
  const installed = await conductor.get(id);
  const dependents = (await conductor.list()).filter((e) =>
    e.id !== id && (id in e.manifest.dependencies || id in e.manifest.peer_dependencies)
  ).map((e) => e.id);
  if (dependents.length > 0 && !options.force) {
    throw new SymphonyError(
      "DependencyError",
      `Cannot uninstall ${id}: ${dependents.join(", ")} depend${
        dependents.length === 1 ? "s" : ""
      } on it; uninstall ${dependents.length === 1 ? "it" : "them"} first, or pass --force`,
    );
  }
  await conductor.stop(id, options.reason);
  const { layout } = conductor;
  const keepData = options.keepData === true;
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
      actor: options.actor ?? actor(),
      detail: {
        version: installed.version,
        settingsArchive: archive,
        dataKept: keepData,
        ...(dependents.length > 0 ? { forcedPast: dependents } : {}),
      },
    }],
  );
  // The record is gone: a process started meanwhile stops too, and this
  // host forgets what it read of the extension, before its files go.
  await conductor.stop(id, options.reason);
  // A later install of the same id starts afresh: no state, activity or logs of this one.
  conductor.forget(id);
  const removed = [join(layout.extensionsDir, id), layout.cacheDir(id), layout.tmpDir(id)];
  if (!keepData) removed.push(layout.dataDir(id));
  for (const dir of removed) {
    await Deno.remove(dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  return {
    id,
    version: installed.version,
    settingsArchive: archive,
    ...(keepData ? { dataKept: layout.dataDir(id) } : {}),
  };
}
