/**
 * `symphony list`: installed extensions with version, type, state and trust tier.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";

/** The help text of `list`. */
export const LIST_HELP = `Usage: symphony list [--json]

Lists the installed extensions with their version, type, state and trust tier.

Options:
  --json           one JSON array
${HOST_OPTIONS_HELP}
  -h, --help       show this help
`;

/**
 * Runs `list`.
 *
 * @param args The arguments after `list`.
 * @param io Where to write.
 * @returns The exit code, 0.
 *
 * @example
 * ```ts
 * import { listCommand } from "./list_command.ts";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * assert.equal(await listCommand(["--help"], { stdout: (t) => out += t, stderr() {} }), 0);
 * assert.match(out, /^Usage: symphony list/);
 * ```
 */
export async function listCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...HOST_OPTIONS },
  });
  if (values.help) return (io.stdout(LIST_HELP), 0);
  await using conductor = hostConductor(values, io);
  const rows = await Promise.all((await conductor.list()).map(async (e) => ({
    id: e.id,
    version: e.version,
    type: e.manifest.type,
    state: await conductor.state(e.id),
    trust: e.trust ?? "community",
  })));
  if (values.json) return (io.stdout(JSON.stringify(rows) + "\n"), 0);
  if (rows.length === 0) return (io.stdout("no extensions installed\n"), 0);
  const header = { id: "ID", version: "VERSION", type: "TYPE", state: "STATE", trust: "TRUST" };
  const widths = Object.fromEntries(
    Object.keys(header).map((
      k,
    ) => [k, Math.max(...[header, ...rows].map((r) => r[k as keyof typeof r].length))]),
  );
  for (const row of [header, ...rows]) {
    io.stdout(
      (Object.keys(header) as (keyof typeof header)[]).map((k) => row[k].padEnd(widths[k] ?? 0))
        .join("  ")
        .trimEnd() + "\n",
    );
  }
  return 0;
}
