/**
 * `symphony trust <id> [community|trusted|enterprise] [--json]`: shows an
 * extension's trust tier, or sets it (audited as a `trust` record).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { TRUST_TIERS, type TrustTier } from "../sandbox/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";

/** The help text of `trust`. */
export const TRUST_HELP = `Usage: symphony trust <id> [${TRUST_TIERS.join("|")}] [--json]

Without a tier, prints the extension's trust tier; with one, sets it. The
tier decides what the extension may reach of the Pit, the host's shared
services, through ctx: community (the default) its own artifacts only;
trusted also leases on the resources it declares and workflow progress;
enterprise the whole Pit. The tier also bounds its sandbox: only the
enterprise tier, on a host whose policy is of the enterprise tier, may be
granted what escapes it (see symphony grant --help). A running extension
restarts with its flags; the change is recorded in the audit trail.

Options:
  --json           print {"id", "trust"} as JSON
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 ok; 1 error (an unknown tier, an extension not installed).
`;

/**
 * Runs `trust`.
 *
 * @param args The arguments after `trust`.
 * @param io Where to write.
 * @returns The exit code, 0.
 * @throws {SymphonyError} `InvalidInput` for bad arguments or an unknown tier;
 * `NotFound` when the extension is not installed.
 *
 * @example
 * ```ts
 * import { trustCommand } from "./trust_command.ts";
 * import assert from "node:assert/strict";
 *
 * const io = { stdout() {}, stderr() {} };
 * await assert.rejects(trustCommand(["acme.x", "root"], io), /"root" is not a tier/);
 * await assert.rejects(trustCommand([], io), /expected trust <id>/);
 * ```
 */
export async function trustCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...HOST_OPTIONS },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(TRUST_HELP), 0);
  const [id, tier, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot trust: expected trust <id> [${
        TRUST_TIERS.join("|")
      }], got ${positionals.length} arguments`,
    );
  }
  if (tier !== undefined && !isTier(tier)) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot set the trust of ${id}: "${tier}" is not a tier (${TRUST_TIERS.join(", ")})`,
    );
  }
  await using conductor = hostConductor(values, io);
  if (tier !== undefined) await conductor.setTrust(id, tier);
  const trust = (await conductor.get(id)).trust ?? "community";
  if (values.json) io.stdout(JSON.stringify({ id, trust }) + "\n");
  else io.stdout(tier === undefined ? `${id} is ${trust}\n` : `${id} is now ${trust}\n`);
  return 0;
}

function isTier(value: string): value is TrustTier {
  return (TRUST_TIERS as readonly string[]).includes(value);
}
