/**
 * `symphony grants <id>`, `symphony grant <id> <kind> <value>` and
 * `symphony revoke <id> <kind> [value]`: what an extension requested against
 * what an admin granted, and changes to it. A change is recorded in the audit
 * trail with who made it, and takes effect at the extension's next start,
 * which it triggers for a running extension.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PERMISSION_KINDS, type PermissionKind } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { terminalText } from "./terminal_text.ts";

const COMMON = `Options:
  --json           machine-readable output
${HOST_OPTIONS_HELP}
  -h, --help       show this help`;

/** The help texts of `grants`, `grant` and `revoke`. */
export const GRANTS_HELP: Record<"grants" | "grant" | "revoke", string> = {
  grants: `Usage: symphony grants <id> [--json]

Shows, for each permission kind (${
    PERMISSION_KINDS.join(", ")
  }), what the extension requested, split into
granted and denied, and the grant changes recorded in the audit trail.

${COMMON}

Exit status: 0 ok, 1 error.
`,
  grant: `Usage: symphony grant <id> <kind> <value> [--json]

Grants one permission the extension's manifest requests. It takes effect at
once: a running extension restarts with its new flags. What escapes the
sandbox (wildcards, paths outside the workspace, local hosts, programs to
run) is granted only to an extension of the enterprise trust tier on a host
whose policy is of the enterprise tier; programs to run also need
"allow_run" in the policy, and are granted one by one.

${COMMON}

Exit status: 0 granted, 1 error.
`,
  revoke: `Usage: symphony revoke <id> <kind> [value] [--json]

Revokes one permission, or every permission of the kind when no value is
given. It takes effect at once: a running extension restarts with its new
flags.

${COMMON}

Exit status: 0 revoked, 1 error.
`,
};

function parse(
  name: "grants" | "grant" | "revoke",
  args: readonly string[],
): {
  values: { json?: boolean; help?: boolean; home?: string; workspace?: string };
  positionals: string[];
} {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...HOST_OPTIONS },
    allowPositionals: true,
  });
  if (values.help) return { values, positionals: [] };
  const [min, max] = name === "grants" ? [1, 1] : name === "grant" ? [3, 3] : [2, 3];
  if (positionals.length < min || positionals.length > max) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot ${name}: expected ${
        GRANTS_HELP[name].split("\n")[0]?.replace("Usage: symphony ", "")
      }`,
    );
  }
  const kind = positionals[1];
  if (kind !== undefined && !(PERMISSION_KINDS as readonly string[]).includes(kind)) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot ${name}: unknown permission kind "${kind}"; kinds: ${PERMISSION_KINDS.join(", ")}`,
    );
  }
  return { values, positionals };
}

/**
 * Runs `grants`.
 *
 * @param args The arguments after `grants`.
 * @param io Where to write.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { grantsCommand } from "./grants_commands.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(grantsCommand([], { stdout() {}, stderr() {} }), /expected grants <id>/);
 * ```
 */
export async function grantsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse("grants", args);
  if (values.help) return (io.stdout(GRANTS_HELP.grants), 0);
  const [id = ""] = positionals;
  await using conductor = hostConductor(values, io);
  const grants = await conductor.grants(id);
  const changes = conductor.audit.list({ extension: id }).filter((r) =>
    r.kind === "grant" || r.kind === "revoke"
  );
  if (values.json) {
    io.stdout(JSON.stringify({ id, grants, changes }) + "\n");
    return 0;
  }
  for (const kind of PERMISSION_KINDS) {
    const { granted, denied } = grants[kind];
    if (granted.length + denied.length === 0) continue;
    io.stdout(
      `${kind.padEnd(5)}  granted: ${granted.join(", ") || "-"}  denied: ${
        denied.join(", ") || "-"
      }\n`,
    );
  }
  if (PERMISSION_KINDS.every((k) => grants[k].granted.length + grants[k].denied.length === 0)) {
    io.stdout(`${id} requests no permissions beyond its own code and data\n`);
  }
  for (const change of changes) {
    io.stdout(
      `${change.at} ${change.actor} ${change.kind} ${
        terminalText(String(change.detail["permission"]))
      } ${terminalText(String(change.detail["value"] ?? "(all)"))}\n`,
    );
  }
  return 0;
}

/**
 * Runs `grant`.
 *
 * @param args The arguments after `grant`.
 * @param io Where to write.
 * @returns The exit code.
 */
export async function grantCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse("grant", args);
  if (values.help) return (io.stdout(GRANTS_HELP.grant), 0);
  const [id = "", kind, value = ""] = positionals;
  await using conductor = hostConductor(values, io);
  await conductor.grant(id, kind as PermissionKind, value);
  io.stdout(
    values.json
      ? JSON.stringify({ id, grants: await conductor.grants(id) }) + "\n"
      : `granted ${id} ${kind} ${value}\n`,
  );
  return 0;
}

/**
 * Runs `revoke`.
 *
 * @param args The arguments after `revoke`.
 * @param io Where to write.
 * @returns The exit code.
 */
export async function revokeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse("revoke", args);
  if (values.help) return (io.stdout(GRANTS_HELP.revoke), 0);
  const [id = "", kind, value] = positionals;
  await using conductor = hostConductor(values, io);
  await conductor.revoke(id, kind as PermissionKind, value);
  io.stdout(
    values.json
      ? JSON.stringify({ id, grants: await conductor.grants(id) }) + "\n"
      : `revoked ${id} ${kind} ${value ?? "(all)"}\n`,
  );
  return 0;
}
