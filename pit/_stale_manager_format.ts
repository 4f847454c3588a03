/**
 * Human-readable durations, sizes and ranks for the Stale Manager's reasons.
 *
 * @module
 */

const DURATION_UNITS: readonly [ms: number, singular: string][] = [
  [86_400_000, "day"],
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
];

const BYTE_UNITS: readonly string[] = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/** `1 decimal`, without a trailing `.0`. */
function oneDecimal(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * @param ms A duration in milliseconds.
 * @returns It in the largest unit it reaches: "9 days", "1.5 hours", "250 ms".
 *
 * @example
 * ```ts
 * import { formatDuration } from "./_stale_manager_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatDuration(9 * 86_400_000), "9 days");
 * assert.equal(formatDuration(90 * 60_000), "1.5 hours");
 * assert.equal(formatDuration(250), "250 ms");
 * ```
 */
export function formatDuration(ms: number): string {
  for (const [unit, singular] of DURATION_UNITS) {
    if (Math.abs(ms) >= unit) {
      const value = oneDecimal(ms / unit);
      return `${value} ${value === "1" ? singular : `${singular}s`}`;
    }
  }
  return `${Math.round(ms)} ms`;
}

/**
 * @param bytes A size in bytes.
 * @returns It in binary units: "512 bytes", "1.5 MiB".
 *
 * @example
 * ```ts
 * import { formatBytes } from "./_stale_manager_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatBytes(512), "512 bytes");
 * assert.equal(formatBytes(1.5 * 1024 * 1024), "1.5 MiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  let value = bytes;
  let unit = "B";
  for (const next of BYTE_UNITS) {
    value /= 1024;
    unit = next;
    if (Math.abs(value) < 1024) break;
  }
  return `${oneDecimal(value)} ${unit}`;
}

/**
 * @param n A rank, from 1.
 * @returns It as an English ordinal: "1st", "2nd", "11th", "23rd".
 *
 * @example
 * ```ts
 * import { ordinal } from "./_stale_manager_format.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 23].map(ordinal), [
 *   "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
 * ]);
 * ```
 */
export function ordinal(n: number): string {
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}
