/**
 * `symphony audit [--ext id] [--kind k] [--since t] [--until t] [--limit n]
 * [--verify] [--json]`: the audit trail, filtered; `--verify` recomputes its
 * hash chain and reports the first broken record.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { AUDIT_KINDS, type AuditRecord } from "../conductor/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { terminalText } from "./terminal_text.ts";

/** The help text of `audit`. */
export const AUDIT_HELP =
  `Usage: symphony audit [--ext ID] [--kind KIND] [--since TIME] [--until TIME]
                      [--limit N] [--verify] [--json]

Prints the audit trail, oldest first: one line per record with its number,
time, kind, extension, actor and details. Every record holds the SHA-256 of
the one before, so any change to the stored trail breaks the chain.

Options:
  --ext ID         only records about this extension
  --kind KIND      only this kind: ${AUDIT_KINDS.join(", ")}
  --since TIME     only records at or after this ISO 8601 time
  --until TIME     only records before this ISO 8601 time
  --limit N        only the latest N records
  --verify         check the whole chain instead of listing; exit 1 if it is broken
  --json           one JSON record per line (JSON Lines), for other tools
${HOST_OPTIONS_HELP}
  -h, --help       show this help

Exit status: 0 ok; 1 error, or --verify found the chain broken.
`;

/**
 * Runs `audit`.
 *
 * @param args The arguments after `audit`.
 * @param io Where to write.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { auditCommand } from "./audit_command.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(auditCommand(["--kind", "nope"], { stdout() {}, stderr() {} }), /unknown kind/);
 * ```
 */
export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      ext: { type: "string" },
      kind: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      limit: { type: "string" },
      verify: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(AUDIT_HELP), 0);
  if (positionals.length > 0) {
    throw new SymphonyError("InvalidInput", "Cannot audit: it takes no arguments, only options");
  }
  if (values.kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(values.kind)) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot audit: unknown kind "${values.kind}"; kinds: ${AUDIT_KINDS.join(", ")}`,
    );
  }
  for (const name of ["since", "until"] as const) {
    const value = values[name];
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      throw new SymphonyError("InvalidInput", `Cannot audit: --${name} is not an ISO 8601 time`);
    }
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new SymphonyError("InvalidInput", "Cannot audit: --limit must be a positive integer");
  }
  await using conductor = hostConductor(values, io);
  if (values.verify) {
    // A long chain takes seconds: say how far it has got, once a second.
    let shownAt = Date.now();
    const result = await conductor.audit.verify({
      progress(verified, total): void {
        if (Date.now() - shownAt < PROGRESS_INTERVAL_MS) return;
        shownAt = Date.now();
        io.stderr(`verified ${count(verified)} of ${count(total)} records\n`);
      },
    });
    if (values.json) io.stdout(JSON.stringify(result) + "\n");
    else if (result.ok) io.stdout(`verified ${count(result.count)} records: the chain is intact\n`);
    else {
      io.stdout(
        `the chain is broken at record ${result.brokenAt}: ${result.reason}; records 1 to ${result.count} verified\n`,
      );
    }
    return result.ok ? 0 : 1;
  }
  const records = conductor.audit.list({
    ...(values.ext === undefined ? {} : { extension: values.ext }),
    ...(values.kind === undefined ? {} : { kind: values.kind }),
    ...(values.since === undefined ? {} : { since: new Date(values.since).toISOString() }),
    ...(values.until === undefined ? {} : { until: new Date(values.until).toISOString() }),
    ...(limit === undefined ? {} : { limit }),
  });
  for (const record of records) {
    io.stdout(values.json ? JSON.stringify(record) + "\n" : line(record));
  }
  if (!values.json && records.length === 0) io.stdout("no audit records\n");
  return 0;
}

const PROGRESS_INTERVAL_MS = 1_000;

function count(records: number): string {
  return records.toLocaleString("en-US");
}

function line(record: AuditRecord): string {
  return `#${record.seq} ${record.at} ${record.kind} ${record.extension ?? "-"} ${record.actor} ${
    terminalText(JSON.stringify(record.detail))
  }\n`;
}
