/**
 * `symphony gc [--dry-run] [--max-age DAYS] [--max-idle DAYS] [--max-bytes N]
 * [--keep N] [--archive DIR] [--json]`: applies a retention policy to the
 * host's artifacts through the Pit's Stale Manager, and reports what went
 * (or, with `--dry-run`, what would go) and why.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatZodIssues } from "../format_zod_issues.ts";
import { type StalePolicy, stalePolicySchema, type StaleReport } from "../pit/mod.ts";
import { SymphonyError } from "../symphony_error.ts";
import type { CliIo } from "./cli_io.ts";
import { HOST_OPTIONS, HOST_OPTIONS_HELP, hostConductor } from "./host_options.ts";
import { terminalText } from "./terminal_text.ts";

/** The help text of `gc`. */
export const GC_HELP = `Usage: symphony gc [--dry-run] [--max-age DAYS] [--max-idle DAYS]
                   [--max-bytes N] [--keep N] [--archive DIR] [--json]

Removes the artifacts a retention policy no longer keeps: one line per
artifact with the rule that matched it, then the bytes freed. Rules apply in
this order, and an artifact matched by several goes once, for the first: age,
idle, versions per name, then the size budget (least recently used first).
Pinned artifacts, and those a live workflow references, are never removed.

Options:
  --dry-run        only list what would go; change nothing
  --max-age DAYS   remove artifacts created more than DAYS days ago (fractions allowed)
  --max-idle DAYS  remove artifacts not read for more than DAYS days
  --max-bytes N    remove the least recently used artifacts until all of them
                   hold at most N bytes; N takes a suffix K, M, G or T (powers
                   of 1024, like the sizes gc prints): 500M, 2G
  --keep N         keep only the newest N versions of each artifact name
  --archive DIR    copy each artifact into DIR before removing it
  --json           the report as one JSON object
${HOST_OPTIONS_HELP}
  -h, --help       show this help

At least one of --max-age, --max-idle, --max-bytes and --keep is required.

Exit status: 0 done; 1 error (invalid arguments too), or an artifact could not
be removed.
`;

const DAY_MS = 86_400_000;

const BYTE_SUFFIXES: Readonly<Record<string, number>> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

// The flag each policy field comes from, to name it in errors.
const FLAGS: Readonly<Record<string, string>> = {
  maxAgeMs: "--max-age",
  maxIdleMs: "--max-idle",
  maxTotalBytes: "--max-bytes",
  keepPerName: "--keep",
  archiveDir: "--archive",
};

/**
 * Runs `gc`.
 *
 * @param args The arguments after `gc`.
 * @param io Where to write.
 * @returns The exit code: 0 done, 1 when an artifact could not be removed.
 * @throws {SymphonyError} `InvalidInput` for a missing policy or a bad value.
 *
 * @example
 * ```ts
 * import { gcCommand } from "./gc_command.ts";
 * import assert from "node:assert/strict";
 *
 * const io = { stdout() {}, stderr() {} };
 * await assert.rejects(gcCommand(["--dry-run"], io), /Cannot gc: no retention rule/);
 * await assert.rejects(gcCommand(["--keep", "0"], io), /Cannot gc: --keep: must keep at least 1/);
 * await assert.rejects(gcCommand(["--max-bytes", "2X"], io), /Cannot gc: --max-bytes: "2X"/);
 * ```
 */
export async function gcCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      "dry-run": { type: "boolean" },
      "max-age": { type: "string" },
      "max-idle": { type: "string" },
      "max-bytes": { type: "string" },
      keep: { type: "string" },
      archive: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...HOST_OPTIONS,
    },
    allowPositionals: true,
  });
  if (values.help) return (io.stdout(GC_HELP), 0);
  if (positionals.length > 0) {
    throw new SymphonyError("InvalidInput", "Cannot gc: it takes no arguments, only options");
  }
  const policy = gcPolicy(values);
  const dryRun = values["dry-run"] === true;
  await using conductor = hostConductor(values, io);
  const report = await conductor.pit.gc({ policy, dryRun });
  const failed = report.removals.filter((r) => r.outcome?.status === "failed").length;
  if (values.json) io.stdout(JSON.stringify(report) + "\n");
  else io.stdout(describeReport(report));
  return failed > 0 ? 1 : 0;
}

// The policy the flags ask for, validated.
function gcPolicy(values: {
  "max-age"?: string | undefined;
  "max-idle"?: string | undefined;
  "max-bytes"?: string | undefined;
  keep?: string | undefined;
  archive?: string | undefined;
}): StalePolicy {
  const days = (flag: "max-age" | "max-idle"): number | undefined => {
    const value = values[flag];
    return value === undefined ? undefined : number(flag, value, "days") * DAY_MS;
  };
  const maxAgeMs = days("max-age");
  const maxIdleMs = days("max-idle");
  const maxTotalBytes = values["max-bytes"] === undefined ? undefined : bytes(values["max-bytes"]);
  const keepPerName = values.keep === undefined
    ? undefined
    : number("keep", values.keep, "versions");
  if ([maxAgeMs, maxIdleMs, maxTotalBytes, keepPerName].every((v) => v === undefined)) {
    throw new SymphonyError(
      "InvalidInput",
      "Cannot gc: no retention rule given, so nothing would be removed; " +
        "pass at least one of --max-age, --max-idle, --max-bytes and --keep",
    );
  }
  const parsed = stalePolicySchema.safeParse({
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    ...(maxIdleMs === undefined ? {} : { maxIdleMs }),
    ...(maxTotalBytes === undefined ? {} : { maxTotalBytes }),
    ...(keepPerName === undefined ? {} : { keepPerName }),
    ...(values.archive === undefined ? {} : { archiveDir: resolve(values.archive) }),
  });
  if (parsed.success) return parsed.data;
  const issues = formatZodIssues(parsed.error.issues, {
    field: (path) => FLAGS[String(path[0])],
    root: "policy",
  });
  throw new SymphonyError("InvalidInput", `Cannot gc: ${issues}`);
}

function number(flag: string, value: string, unit: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim())) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot gc: --${flag}: "${value}" is not a number of ${unit}`,
    );
  }
  return Number(value);
}

// "1048576", "500M", "1.5GiB": bytes, the suffixes in powers of 1024.
function bytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(value.trim());
  const [, amount, suffix = ""] = match ?? [];
  const multiplier = BYTE_SUFFIXES[suffix.toLowerCase()];
  if (amount === undefined || multiplier === undefined) {
    throw new SymphonyError(
      "InvalidInput",
      `Cannot gc: --max-bytes: "${value}" is not a size; use bytes, or a suffix K, M, G or T: 500M`,
    );
  }
  return Math.floor(Number(amount) * multiplier);
}

function describeReport(report: StaleReport): string {
  const lines: string[] = [];
  let removed = 0;
  let failed = 0;
  for (const removal of report.removals) {
    const status = removal.outcome?.status;
    const verb = report.dryRun
      ? "would remove"
      : status === "done"
      ? "removed"
      : status === "failed"
      ? "failed to remove"
      : "skipped";
    if (verb === "removed" || verb === "would remove") removed++;
    if (verb === "failed to remove") failed++;
    const error = removal.outcome?.error === undefined ? "" : ` (${removal.outcome.error})`;
    lines.push(
      `${verb} ${removal.key} (${formatSize(removal.sizeBytes)}): ${removal.detail}${error}`,
    );
  }
  const kept = [
    ...(report.kept.pinned > 0 ? [`${report.kept.pinned} pinned`] : []),
    ...(report.kept.referenced > 0
      ? [`${report.kept.referenced} referenced by a live workflow`]
      : []),
  ];
  lines.push(
    `${removed} ${removed === 1 ? "artifact" : "artifacts"}, ${formatSize(report.bytesFreed)} ${
      report.dryRun ? "would be freed" : "freed"
    }${failed > 0 ? `, ${failed} failed` : ""}${
      kept.length > 0 ? `; kept ${kept.join(", ")}` : ""
    }`,
  );
  const budget = report.budget;
  if (budget !== undefined && budget.shortfallBytes > 0) lines.push(budget.detail);
  // Keys and details quote artifact names, which extensions chose.
  return lines.map((line) => terminalText(line) + "\n").join("");
}

// Sizes as the Stale Manager's details write them: "512 bytes", "1.5 MiB".
function formatSize(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  let value = bytes;
  let unit = "";
  for (const next of ["KiB", "MiB", "GiB", "TiB", "PiB"]) {
    value /= 1024;
    unit = next;
    if (value < 1024) break;
  }
  return `${Math.round(value * 10) / 10} ${unit}`;
}
